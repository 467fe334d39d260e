// Scenario 3: what a call through the gateway costs against the same call straight to the
// simulator with a token of the same app. Saturation (closed loop, 32 and 128 connections) for
// the throughput ratio, and a fixed request rate below both capacities for the latency the
// gateway adds per request (at saturation, latency is concurrency ÷ throughput, not overhead).
import { PLAN_LIMITS } from '../../src/zoom/api/rate-limit-governor.js';
import { startFleet } from '../lib/fleet.js';
import { CreatedMeeting, readJson } from '../lib/json.js';
import { cpuSeconds, type GatewayProcess } from '../lib/processes.js';
import { runLoad, type LoadOptions } from '../lib/load.js';
import { progress } from '../lib/progress.js';
import {
  fmt,
  skipped,
  table,
  type Scenario,
  type ScenarioContext,
  type ScenarioOutcome,
} from '../lib/scenario.js';
import { round, Samples, summarizeLatencies, type LatencySummary } from '../lib/stats.js';
import { COLORS, renderChart } from '../lib/svg.js';

const MEETING_BODY = JSON.stringify({
  topic: 'bench overhead',
  type: 2,
  start_time: '2030-01-01T10:00:00Z',
  duration: 30,
});
/** The highest plan the gateway knows, and its per-second limits per category. */
const PLAN = 'business';
const PLAN_LIMIT = PLAN_LIMITS[PLAN];
const GOAL_RATIO = 0.5;
/**
 * autocannon paces each connection on its own timer and the timers start together, so a fixed
 * rate over n connections arrives as bursts of n: few connections keep the offered load smooth.
 */
const FIXED_RATE_CONNECTIONS = 4;
/** A typical answer time of Zoom's API from a data centre (an assumption, stated in the results). */
const ZOOM_LIKE_LATENCY_MS = 50;
const GOAL_ADDED_P99_MS = 5;

type Target = 'direct' | 'gateway';

interface Measured {
  rps: number;
  ok: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
  latency: LatencySummary;
  /** CPU time per answered request: the gateway process (0 for direct) and the simulator process */
  cpuMsPerRequest: { gateway: number; simulator: number };
}

/**
 * `lifted`: plan limits lifted, LOG_LEVEL=info: the gateway's own cost. `quiet`: the same with
 * LOG_LEVEL=warn (no request log line): what logging costs. `shipped`: exactly as built, paced by the governor.
 */
type Variant = 'lifted' | 'quiet' | 'shipped';

const VARIANT_LABEL: Record<Variant, string> = {
  lifted: 'plan limits lifted',
  quiet: 'plan limits lifted, LOG_LEVEL=warn',
  shipped: 'as shipped (paced)',
};

interface CaseResult {
  route: string;
  variant: Variant;
  /** `zoom-latency`: saturation with the simulator answering after ZOOM_LIKE_LATENCY_MS, as a remote Zoom would */
  mode: 'saturation' | 'fixed-rate' | 'zoom-latency';
  connections: number;
  /** requests per second offered in fixed-rate mode */
  rate?: number;
  direct: Measured;
  gateway: Measured;
  throughputRatio: number;
  addedP50Ms: number;
  addedP99Ms: number;
}

interface Accumulator {
  ok: number;
  non2xx: number;
  errors: number;
  seconds: number;
  statusCodes: Record<string, number>;
  latencies: Samples;
  gatewayCpu: number;
  simulatorCpu: number;
}

const emptyAccumulator = (): Accumulator => ({
  ok: 0,
  non2xx: 0,
  errors: 0,
  seconds: 0,
  statusCodes: {},
  latencies: new Samples(),
  gatewayCpu: 0,
  simulatorCpu: 0,
});

function finish(acc: Accumulator): Measured {
  return {
    rps: round(acc.ok / acc.seconds, 1),
    ok: acc.ok,
    non2xx: acc.non2xx,
    errors: acc.errors,
    statusCodes: acc.statusCodes,
    latency: summarizeLatencies(acc.latencies.values()),
    cpuMsPerRequest: {
      gateway: round((acc.gatewayCpu * 1000) / (acc.ok + acc.non2xx), 3),
      simulator: round((acc.simulatorCpu * 1000) / (acc.ok + acc.non2xx), 3),
    },
  };
}

export const overhead: Scenario = {
  id: 'overhead',
  title: 'Gateway overhead',
  async run({ quick, simulator }: ScenarioContext): Promise<ScenarioOutcome> {
    const title = '3. Overhead: through the gateway vs straight to Zoom';
    const goals = [
      {
        scenario: 'overhead',
        goal: `throughput through the gateway ≥ ${GOAL_RATIO}× direct (32 and 128 connections)`,
      },
      { scenario: 'overhead', goal: `added p99 latency < ${GOAL_ADDED_P99_MS} ms` },
    ];
    await simulator.reset({ tokens: true, meetings: true });
    const fleets = await Promise.all([
      startFleet(
        'overhead-lifted',
        1,
        simulator.url,
        { ZOOM_RATE_LIMIT_PLAN: PLAN },
        'limits-lifted',
      ),
      startFleet(
        'overhead-quiet',
        1,
        simulator.url,
        { ZOOM_RATE_LIMIT_PLAN: PLAN, LOG_LEVEL: 'warn' },
        'limits-lifted',
      ),
      startFleet('overhead-shipped', 1, simulator.url, { ZOOM_RATE_LIMIT_PLAN: PLAN }, 'shipped'),
    ]);
    const [fleet, quiet, shipped] = fleets;
    try {
      const gateway = fleet.gateways[0];
      const created = await fetch(`${gateway.url}/v2/users/me/meetings`, {
        method: 'POST',
        headers: { ...fleet.headers, 'Content-Type': 'application/json' },
        body: MEETING_BODY,
      });
      const createdBody = await readJson(created, CreatedMeeting);
      if (created.status === 404 && createdBody.id === undefined) {
        return skipped(
          'overhead',
          title,
          'the gateway does not serve the /v2 meetings routes yet',
          goals,
        );
      }
      if (created.status !== 201)
        throw new Error(
          `create through the gateway answered ${created.status}: ${JSON.stringify(createdBody)}`,
        );
      const meetingId = String(createdBody.id);
      // The direct caller holds a token of the same app, minted once, as a well-behaved direct client would.
      const { accessToken } = await simulator.mintToken();
      const targets: Record<'direct' | Variant, { base: string; headers: Record<string, string> }> =
        {
          direct: {
            base: `${simulator.url}/v2`,
            headers: { Authorization: `Bearer ${accessToken}` },
          },
          lifted: { base: `${gateway.url}/v2`, headers: fleet.headers },
          quiet: { base: `${quiet.gateways[0].url}/v2`, headers: quiet.headers },
          shipped: { base: `${shipped.gateways[0].url}/v2`, headers: shipped.headers },
        };
      const processes: Record<Variant, GatewayProcess> = {
        lifted: gateway,
        quiet: quiet.gateways[0],
        shipped: shipped.gateways[0],
      };
      const routes = [
        {
          route: `GET /v2/meetings/{id}`,
          method: 'GET' as const,
          path: `/meetings/${meetingId}`,
          planLimit: PLAN_LIMIT.light,
        },
        {
          route: 'POST /v2/users/me/meetings',
          method: 'POST' as const,
          path: '/users/me/meetings',
          body: MEETING_BODY,
          planLimit: PLAN_LIMIT.medium,
        },
      ];
      const duration = quick ? 2 : 4;
      const rounds = quick ? 1 : 2;
      const options = (
        target: 'direct' | Variant,
        r: (typeof routes)[number],
        connections: number,
      ): LoadOptions => ({
        urls: [`${targets[target].base}${r.path}`],
        method: r.method,
        headers: {
          ...targets[target].headers,
          ...(r.body ? { 'Content-Type': 'application/json' } : {}),
        },
        body: r.body,
        connections,
        duration,
      });

      const measure = async (
        r: (typeof routes)[number],
        connections: number,
        mode: CaseResult['mode'],
        rate?: number,
        variant: Variant = 'lifted',
      ): Promise<CaseResult> => {
        const acc: Record<Target, Accumulator> = {
          direct: emptyAccumulator(),
          gateway: emptyAccumulator(),
        };
        const targetOf = (t: Target) => (t === 'gateway' ? variant : t);
        // Warm both paths (connections, JIT, token) before anything counts.
        for (const target of ['direct', 'gateway'] as const) {
          await runLoad({
            ...options(targetOf(target), r, connections),
            duration: 1,
            ...(rate ? { overallRate: rate } : {}),
          });
        }
        for (let i = 0; i < rounds; i++) {
          const order: Target[] = i % 2 === 0 ? ['direct', 'gateway'] : ['gateway', 'direct'];
          for (const target of order) {
            const gatewayProcess = target === 'gateway' ? processes[variant] : undefined;
            const cpu0 = [gatewayProcess?.cpuSeconds() ?? 0, cpuSeconds(simulator.pid)];
            const result = await runLoad({
              ...options(targetOf(target), r, connections),
              ...(rate ? { overallRate: rate } : {}),
            });
            const a = acc[target];
            a.gatewayCpu += (gatewayProcess?.cpuSeconds() ?? 0) - cpu0[0];
            a.simulatorCpu += cpuSeconds(simulator.pid) - cpu0[1];
            a.ok += result.ok;
            a.non2xx += result.non2xx;
            a.errors += result.errors;
            a.seconds += result.durationS;
            a.latencies.append(result.latencies);
            for (const [code, n] of Object.entries(result.statusCodes))
              a.statusCodes[code] = (a.statusCodes[code] ?? 0) + n;
          }
        }
        const direct = finish(acc.direct);
        const through = finish(acc.gateway);
        const result: CaseResult = {
          route: r.route,
          variant,
          mode,
          connections,
          ...(rate ? { rate } : {}),
          direct,
          gateway: through,
          throughputRatio: round(through.rps / direct.rps, 3),
          addedP50Ms: round(through.latency.p50 - direct.latency.p50, 3),
          addedP99Ms: round(through.latency.p99 - direct.latency.p99, 3),
        };
        progress(
          `overhead ${r.route} ${variant} ${mode === 'fixed-rate' ? `${rate}/s` : `${connections} conns`}${mode === 'zoom-latency' ? ` (Zoom answering in ${ZOOM_LIKE_LATENCY_MS} ms)` : ''}: direct ${fmt.int(direct.rps)}/s ` +
            `p99 ${fmt.ms(direct.latency.p99)}, gateway ${fmt.int(through.rps)}/s p99 ${fmt.ms(through.latency.p99)} ` +
            `(ratio ${fmt.ratio(result.throughputRatio)}, CPU/request ${through.cpuMsPerRequest.gateway} ms vs ${direct.cpuMsPerRequest.simulator} ms${through.non2xx ? `, ${through.non2xx} non-2xx` : ''})`,
        );
        return result;
      };

      const cases: CaseResult[] = [];
      for (const r of routes) {
        for (const connections of [32, 128])
          cases.push(await measure(r, connections, 'saturation'));
        // Added latency per request: the same fixed rate for both, half of what the gateway sustained.
        const gatewayCapacity = Math.min(
          ...cases.filter((c) => c.route === r.route).map((c) => c.gateway.rps),
        );
        const rate = Math.max(10, Math.round(gatewayCapacity / 2 / 10) * 10);
        cases.push(await measure(r, FIXED_RATE_CONNECTIONS, 'fixed-rate', rate));
        // As shipped: the governor paces to the plan; offer half of the plan's limit.
        cases.push(
          await measure(
            r,
            FIXED_RATE_CONNECTIONS,
            'fixed-rate',
            Math.floor(r.planLimit / 2),
            'shipped',
          ),
        );
      }
      // What the request log costs: the GET at 32 connections again, without the per-request line.
      cases.push(await measure(routes[0], 32, 'saturation', undefined, 'quiet'));
      // Against an upstream that takes as long as Zoom does, concurrency rather than CPU bounds both paths.
      await simulator.control('setApiLatency', ZOOM_LIKE_LATENCY_MS);
      try {
        cases.push(await measure(routes[0], 32, 'zoom-latency'));
      } finally {
        await simulator.control('setApiLatency', 0);
      }

      const saturation = cases.filter((c) => c.mode === 'saturation' && c.variant === 'lifted');
      const fixed = cases.filter((c) => c.mode === 'fixed-rate');
      const fixedOwn = fixed.filter((c) => c.variant === 'lifted');
      const fixedShipped = fixed.filter((c) => c.variant === 'shipped');
      const quietCase = cases.find((c) => c.variant === 'quiet')!;
      const latencyCase = cases.find((c) => c.mode === 'zoom-latency')!;
      const loudCase = saturation.find(
        (c) => c.route === quietCase.route && c.connections === quietCase.connections,
      )!;
      const minRatio = Math.min(...saturation.map((c) => c.throughputRatio));
      const maxAddedP99 = Math.max(...fixedOwn.map((c) => c.addedP99Ms));
      const gateway429 = cases.reduce((n, c) => n + (c.gateway.statusCodes['429'] ?? 0), 0);
      const verb = (c: CaseResult) => (c.route.startsWith('GET') ? 'GET' : 'POST');
      const label = (c: CaseResult) =>
        `${verb(c)} ${c.mode === 'fixed-rate' ? `${fmt.int(c.rate!)}/s` : `c${c.connections}`}${c.mode === 'zoom-latency' ? ` +${ZOOM_LIKE_LATENCY_MS}ms` : ''}${c.variant === 'lifted' ? '' : ` ${c.variant}`}`;
      const rows = cases.map((c) => [
        c.route,
        VARIANT_LABEL[c.variant],
        c.mode === 'fixed-rate'
          ? `${fmt.int(c.rate!)}/s fixed`
          : `${c.connections} connections${c.mode === 'zoom-latency' ? `, Zoom answering in ${ZOOM_LIKE_LATENCY_MS} ms` : ''}`,
        c.mode === 'fixed-rate' ? '—' : fmt.ratio(c.throughputRatio),
        `${fmt.ms(c.direct.latency.p50)} → ${fmt.ms(c.gateway.latency.p50)}`,
        `${fmt.ms(c.direct.latency.p99)} → ${fmt.ms(c.gateway.latency.p99)}`,
        `+${fmt.ms(c.addedP50Ms)} / +${fmt.ms(c.addedP99Ms)}`,
        `${c.gateway.cpuMsPerRequest.gateway} / ${c.direct.cpuMsPerRequest.simulator}`,
        c.gateway.non2xx + c.gateway.errors,
      ]);
      // CPU per request is the load-independent view: what one request costs the gateway process,
      // against what the same request costs the simulator (a bare node:http server) when called directly.
      const cpuRatio = (c: CaseResult) =>
        c.gateway.cpuMsPerRequest.gateway / c.direct.cpuMsPerRequest.simulator;
      const cpuGet = saturation.find((c) => c.route.startsWith('GET') && c.connections === 32)!;
      const cpuPost = saturation.find((c) => c.route.startsWith('POST') && c.connections === 32)!;
      const markdown = [
        `## ${title}`,
        '',
        `The same requests through one gateway replica (PostgreSQL, Redis, \`LOG_LEVEL=info\`, \`ZOOM_RATE_LIMIT_PLAN=${PLAN}\`) ` +
          "and straight to the simulator with a token of the same app; the simulator's own rate limits are off. " +
          `Each measurement is ${rounds} alternating rounds of ${duration} s per target.`,
        '',
        `- **Plan limits lifted**: the gateway's own cost. The governor still reserves a slot in Redis for every call, but paces to ` +
          `1,000,000/s instead of the plan's ${PLAN_LIMIT.light}/s (Light) and ${PLAN_LIMIT.medium}/s (Medium) (bench/gateway-entry.ts). ` +
          "Saturation (closed loop, 32 and 128 connections) gives the throughput ratio; a fixed rate of half the gateway's " +
          `saturation throughput, offered to both over ${FIXED_RATE_CONNECTIONS} connections (autocannon fires a fixed rate in bursts of one request per connection), gives the latency added per request` +
          '  (at saturation latency is ' +
          'concurrency ÷ throughput and only restates the ratio).',
        `- **As shipped**: \`src/main.ts\` unchanged, at half the plan's limit, to show what the governor's pacing adds on top.`,
        '- **LOG_LEVEL=warn**: plan limits lifted and no per-request log line, to show what the request log costs.',
        '',
        table(
          [
            'route',
            'gateway',
            'load',
            'throughput gateway ÷ direct',
            'p50 direct → gateway',
            'p99 direct → gateway',
            'added p50 / p99',
            'CPU ms/request: gateway / simulator',
            'gateway non-2xx',
          ],
          rows,
        ),
        '',
        `Goals: throughput ≥ ${GOAL_RATIO}× direct: **${minRatio >= GOAL_RATIO ? 'met' : 'missed'}** (lowest ${fmt.ratio(minRatio)}); ` +
          `added p99 < ${GOAL_ADDED_P99_MS} ms at a fixed rate: **${maxAddedP99 < GOAL_ADDED_P99_MS ? 'met' : 'missed'}** (highest +${fmt.ms(maxAddedP99)}). ` +
          `As shipped, the governor adds ${fixedShipped.map((c) => `+${fmt.ms(c.addedP99Ms)} at p99 for ${label(c)}`).join(' and ')}; ` +
          `and it caps a fleet at ${PLAN_LIMIT.light}/s Light and ${PLAN_LIMIT.medium}/s Medium calls in all, by design.` +
          (gateway429 ? ` The gateway answered ${gateway429} requests with 429.` : ''),
        '',
        `CPU per request, the view that depends least on what else the machine runs: the gateway process spends ` +
          `${cpuGet.gateway.cpuMsPerRequest.gateway} ms on a GET and ${cpuPost.gateway.cpuMsPerRequest.gateway} ms on a create, ` +
          `${fmt.ratio(cpuRatio(cpuGet))} and ${fmt.ratio(cpuRatio(cpuPost))} what the simulator spends answering the same request directly ` +
          `(${cpuGet.direct.cpuMsPerRequest.simulator} ms and ${cpuPost.direct.cpuMsPerRequest.simulator} ms). ` +
          'On shared cores, the throughput ratio follows from that.',
        '',
        `With the simulator answering in ${ZOOM_LIKE_LATENCY_MS} ms, as a remote Zoom would, the GET at ${latencyCase.connections} connections ` +
          `runs at ${fmt.ratio(latencyCase.throughputRatio)} direct (p50 +${fmt.ms(latencyCase.addedP50Ms)}, p99 +${fmt.ms(latencyCase.addedP99Ms)}).`,
        '',
        `Logging: without the per-request log line the GET at ${quietCase.connections} connections runs at ` +
          `${fmt.ratio(quietCase.throughputRatio)} direct, against ${fmt.ratio(loudCase.throughputRatio)} with it ` +
          `(${fmt.ratio(quietCase.gateway.rps / loudCase.gateway.rps)} the throughput; ` +
          `${quietCase.gateway.cpuMsPerRequest.gateway} against ${loudCase.gateway.cpuMsPerRequest.gateway} CPU ms per request).`,
        '',
      ].join('\n');
      const svg = renderChart({
        title: 'Overhead: through the gateway vs straight to the simulator',
        note: `one replica, plan ${PLAN}, LOG_LEVEL=info; left: saturation with plan limits lifted; right: latency at a fixed rate`,
        panels: [
          {
            kind: 'bars',
            title: 'throughput at saturation',
            yLabel: 'requests / s',
            series: [
              { name: 'direct', color: COLORS.comparison },
              { name: 'gateway', color: COLORS.gateway },
            ],
            groups: [...saturation, quietCase, latencyCase].map((c) => ({
              label: label(c),
              values: [c.direct.rps, c.gateway.rps],
            })),
          },
          {
            kind: 'bars',
            title: 'latency at a fixed rate (p50, p99)',
            yLabel: 'ms',
            series: [
              { name: 'direct p50', color: COLORS.comparisonLight },
              { name: 'gateway p50', color: COLORS.gatewayLight },
              { name: 'direct p99', color: COLORS.comparison },
              { name: 'gateway p99', color: COLORS.gateway },
            ],
            groups: fixed.map((c) => ({
              label: label(c),
              values: [
                c.direct.latency.p50,
                c.gateway.latency.p50,
                c.direct.latency.p99,
                c.gateway.latency.p99,
              ],
            })),
            format: (v) => (v >= 10 ? String(Math.round(v)) : v.toFixed(1)),
          },
        ],
      });
      return {
        result: {
          plan: PLAN,
          durationSeconds: duration,
          rounds,
          loggingCost: {
            throughputRatioWithLog: loudCase.throughputRatio,
            throughputRatioWithoutLog: quietCase.throughputRatio,
            gatewayCpuMsWithLog: loudCase.gateway.cpuMsPerRequest.gateway,
            gatewayCpuMsWithoutLog: quietCase.gateway.cpuMsPerRequest.gateway,
          },
          zoomLikeLatencyMs: ZOOM_LIKE_LATENCY_MS,
          cpuRatio: { get: round(cpuRatio(cpuGet), 2), create: round(cpuRatio(cpuPost), 2) },
          cases,
        },
        markdown,
        svg,
        goals: [
          {
            ...goals[0],
            measured: saturation
              .map((c) => `${label(c)} ${fmt.ratio(c.throughputRatio)}`)
              .join('; '),
            met: minRatio >= GOAL_RATIO,
          },
          {
            ...goals[1],
            measured: fixedOwn.map((c) => `${label(c)} +${fmt.ms(c.addedP99Ms)}`).join('; '),
            met: maxAddedP99 < GOAL_ADDED_P99_MS,
          },
        ],
      };
    } finally {
      await Promise.all(fleets.map((f) => f.stop()));
    }
  },
};
