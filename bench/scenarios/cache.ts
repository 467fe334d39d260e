// Scenario 4b: the read-through cache (issue 16: "a cache hit at least 10× faster than a Zoom
// call that takes 50 ms", and a hit spends no Zoom quota). The simulator answers every API call
// after 50 ms, as Zoom does on a good day; then, in alternating rounds, sequential calls of
// GET /v2/meetings/{id} and GET /v2/users/me are timed as cache hits through the gateway, as Zoom
// calls through the gateway (`Cache-Control: no-cache`) and straight to the simulator. Two
// gateways: as shipped with Redis (the fleet's shared cache, one Redis read per hit) and alone
// without Redis (the cache in process memory). Sequential calls: one caller's latency, with no
// queueing behind other calls and the Zoom calls far below the plan's limits.
import { Agent, request } from 'undici';
import { startFleet, type Fleet } from '../lib/fleet.js';
import { createMeeting } from '../lib/meetings.js';
import { progress } from '../lib/progress.js';
import {
  fmt,
  table,
  type Scenario,
  type ScenarioContext,
  type ScenarioOutcome,
} from '../lib/scenario.js';
import { round, Samples, summarizeLatencies, type LatencySummary } from '../lib/stats.js';
import { COLORS, renderChart } from '../lib/svg.js';

const PLAN = 'business';
const TTL_SECONDS = 60;
const ZOOM_LATENCY_MS = 50;
const GOAL_RATIO = 10;

type Kind = 'hit' | 'miss' | 'direct';

interface Target {
  url: string;
  headers: Record<string, string>;
  kind: Kind;
}

interface Timed {
  latencies: Samples;
  /** answers of the kind asked for: a 2xx, with `x-cache: HIT` for hits and without it otherwise */
  good: number;
  /** everything else, by status (and `200 MISS` for a hit run answered from Zoom); errors as `error` */
  bad: Record<string, number>;
}

/**
 * `calls` calls one after another on one kept-alive connection, each timed from its start to the
 * end of its body. Only good answers are timed: a hit run answered from Zoom would hide a broken
 * cache in its p99 otherwise, and is counted as bad instead.
 */
async function timeCalls(agent: Agent, target: Target, calls: number): Promise<Timed> {
  const latencies = new Samples();
  const bad: Record<string, number> = {};
  let good = 0;
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    try {
      const response = await request(target.url, {
        headers: target.headers,
        dispatcher: agent,
        headersTimeout: 30_000,
      });
      await response.body.dump();
      const elapsed = performance.now() - t0;
      const hit = response.headers['x-cache'] === 'HIT';
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      if (ok && hit === (target.kind === 'hit')) {
        good++;
        latencies.push(elapsed);
      } else {
        const label = ok
          ? `${response.statusCode} ${hit ? 'HIT' : 'MISS'}`
          : String(response.statusCode);
        bad[label] = (bad[label] ?? 0) + 1;
      }
    } catch {
      bad.error = (bad.error ?? 0) + 1;
    }
  }
  return { latencies, good, bad };
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [label, n] of Object.entries(from)) into[label] = (into[label] ?? 0) + n;
}

const countOf = (counts: Record<string, number>) =>
  Object.values(counts).reduce((a, b) => a + b, 0);

/** `zoom_cache_requests_total` from a gateway's /metrics, keyed `resource:result`. */
async function cacheCounters(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counters: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^zoom_cache_requests_total\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries(
      [...match[1].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    counters[`${labels.resource}:${labels.result}`] = Number(match[2]);
  }
  return counters;
}

interface Variant {
  id: 'redis' | 'memory';
  label: string;
  fleet: Fleet;
  meetingId: string;
}

interface Route {
  id: 'meeting' | 'user';
  route: string;
  /** the `resource` label of zoom_cache_requests_total */
  resource: string;
  path: (meetingId: string) => string;
}

const ROUTES: Route[] = [
  {
    id: 'meeting',
    route: 'GET /v2/meetings/{id}',
    resource: 'meeting',
    path: (meetingId) => `/v2/meetings/${meetingId}`,
  },
  { id: 'user', route: 'GET /v2/users/me', resource: 'user', path: () => '/v2/users/me' },
];

interface Collected {
  samples: Samples;
  good: number;
  bad: Record<string, number>;
  /** the simulator's API calls counted while these runs went on */
  apiCalls: number;
}

const collected = (): Collected => ({ samples: new Samples(), good: 0, bad: {}, apiCalls: 0 });

interface KindResult extends LatencySummary {
  calls: number;
  bad: Record<string, number>;
  apiCalls: number;
}

interface CacheResult {
  cache: Variant['id'];
  route: string;
  hit: KindResult;
  miss: KindResult;
  /** miss p50 ÷ hit p50 */
  ratioP50: number;
  /** the Zoom call straight to the simulator p50 ÷ hit p50 */
  directRatioP50: number;
  /** zoom_cache_requests_total over the measured rounds, by result */
  counted: Record<string, number>;
}

function summarize(c: Collected): KindResult {
  return {
    calls: c.good + countOf(c.bad),
    ...summarizeLatencies(c.samples.values()),
    bad: c.bad,
    apiCalls: c.apiCalls,
  };
}

/** One meeting of the fleet's app, created through its gateway. */
const meetingOf = (fleet: Fleet) =>
  createMeeting(`${fleet.gateways[0].url}/v2`, fleet.headers, 'bench cache');

export const cache: Scenario = {
  id: 'cache',
  title: 'Cache hit vs a Zoom call',
  async run({ quick, simulator }: ScenarioContext): Promise<ScenarioOutcome> {
    const title = `4b. A cache hit vs a Zoom call answering in ${ZOOM_LATENCY_MS} ms (plan ${PLAN})`;
    const rounds = quick ? 2 : 3;
    const hitCalls = quick ? 100 : 300;
    const zoomCalls = quick ? 15 : 40;
    const warmCalls = quick ? 5 : 10;
    await simulator.reset({ tokens: true, meetings: true });
    const env = { ZOOM_RATE_LIMIT_PLAN: PLAN, CACHE_TTL_SECONDS: String(TTL_SECONDS) };
    // Both started at once (start-up is most of their cost) and alive together, so the rounds can
    // alternate between them; each has its own database, key prefix and governor.
    const started = await Promise.allSettled([
      startFleet('cache-redis', 1, simulator.url, env, 'shipped'),
      startFleet('cache-memory', 1, simulator.url, env, 'shipped', [], false),
    ]);
    const fleets = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const agent = new Agent({ keepAliveTimeout: 30_000, connections: 16 });
    try {
      const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
      const [redisFleet, memoryFleet] = fleets;
      const variants: Variant[] = [
        {
          id: 'redis',
          label: 'Redis (as shipped)',
          fleet: redisFleet,
          meetingId: await meetingOf(redisFleet),
        },
        {
          id: 'memory',
          label: 'process memory (no Redis)',
          fleet: memoryFleet,
          meetingId: await meetingOf(memoryFleet),
        },
      ];
      const { accessToken } = await simulator.mintToken();
      await simulator.control('setApiLatency', ZOOM_LATENCY_MS);
      try {
        const results: CacheResult[] = [];
        const direct: Record<Route['id'], Collected> = { meeting: collected(), user: collected() };
        const byCell = new Map<string, { hit: Collected; miss: Collected }>();
        const cell = (variant: Variant, route: Route) => {
          const key = `${variant.id}:${route.id}`;
          let entry = byCell.get(key);
          if (!entry) {
            entry = { hit: collected(), miss: collected() };
            byCell.set(key, entry);
          }
          return entry;
        };
        const targetsOf = (route: Route) => [
          ...variants.flatMap((v) => {
            const url = `${v.fleet.gateways[0].url}${route.path(v.meetingId)}`;
            return [
              { variant: v, target: { url, headers: v.fleet.headers, kind: 'hit' as const } },
              {
                variant: v,
                target: {
                  url,
                  headers: { ...v.fleet.headers, 'Cache-Control': 'no-cache' },
                  kind: 'miss' as const,
                },
              },
            ];
          }),
          {
            variant: undefined,
            target: {
              url: `${simulator.url}${route.path(variants[0].meetingId)}`,
              headers: { Authorization: `Bearer ${accessToken}` },
              kind: 'direct' as const,
            },
          },
        ];
        // One plain GET per gateway first: the warming miss that fills the cache (it must not be
        // a hit: nothing has read these resources yet). Then a few calls of each target, not
        // counted, so connections are open and the code paths compiled before any is timed.
        const warmingMisses: Record<string, string> = {};
        for (const route of ROUTES)
          for (const v of variants) {
            const url = `${v.fleet.gateways[0].url}${route.path(v.meetingId)}`;
            const response = await request(url, { headers: v.fleet.headers, dispatcher: agent });
            await response.body.dump();
            const answer = `${response.statusCode} ${response.headers['x-cache'] === 'HIT' ? 'HIT' : 'MISS'}`;
            warmingMisses[`${v.id} ${route.route}`] = answer;
            if (answer !== '200 MISS')
              throw new Error(`the warming GET of ${route.route} (${v.id}) answered ${answer}`);
          }
        for (const route of ROUTES)
          for (const { target } of targetsOf(route)) await timeCalls(agent, target, warmCalls);

        const countedBefore = await Promise.all(
          variants.map((v) => cacheCounters(v.fleet.gateways[0].url)),
        );
        for (let r = 0; r < rounds; r++) {
          for (const route of ROUTES) {
            // Alternating order: whatever drifts during a round (a background job, the machine's
            // other work) falls on every target alike over the rounds.
            const targets = targetsOf(route);
            if (r % 2 === 1) targets.reverse();
            for (const { variant, target } of targets) {
              const into = variant
                ? cell(variant, route)[target.kind === 'hit' ? 'hit' : 'miss']
                : direct[route.id];
              const before = (await simulator.stats()).apiCalls;
              const timed = await timeCalls(
                agent,
                target,
                target.kind === 'hit' ? hitCalls : zoomCalls,
              );
              into.apiCalls += (await simulator.stats()).apiCalls - before;
              into.samples.append(timed.latencies);
              into.good += timed.good;
              addCounts(into.bad, timed.bad);
            }
          }
        }
        const countedAfter = await Promise.all(
          variants.map((v) => cacheCounters(v.fleet.gateways[0].url)),
        );

        for (const [vi, v] of variants.entries())
          for (const route of ROUTES) {
            const { hit, miss } = cell(v, route);
            const hitResult = summarize(hit);
            const missResult = summarize(miss);
            const counted: Record<string, number> = {};
            for (const result of ['hit', 'miss', 'bypass']) {
              const key = `${route.resource}:${result}`;
              counted[result] = (countedAfter[vi][key] ?? 0) - (countedBefore[vi][key] ?? 0);
            }
            const directP50 = summarizeLatencies(direct[route.id].samples.values()).p50;
            results.push({
              cache: v.id,
              route: route.route,
              hit: hitResult,
              miss: missResult,
              ratioP50: round(missResult.p50 / hitResult.p50, 1),
              directRatioP50: round(directP50 / hitResult.p50, 1),
              counted,
            });
          }
        const directResults = ROUTES.map((route) => ({
          route: route.route,
          ...summarize(direct[route.id]),
        }));
        for (const x of results)
          progress(
            `cache ${x.cache} ${x.route}: hit p50 ${fmt.ms(x.hit.p50)} p99 ${fmt.ms(x.hit.p99)}, ` +
              `Zoom call through the gateway p50 ${fmt.ms(x.miss.p50)} p99 ${fmt.ms(x.miss.p99)}: ${fmt.ratio(x.ratioP50)} at p50; ` +
              `simulator API calls during the hits +${x.hit.apiCalls}, during the Zoom calls +${x.miss.apiCalls}; ` +
              `gateway counted ${JSON.stringify(x.counted)}; bad answers hit ${JSON.stringify(x.hit.bad)} miss ${JSON.stringify(x.miss.bad)}`,
          );
        for (const d of directResults)
          progress(
            `cache direct ${d.route}: p50 ${fmt.ms(d.p50)} p99 ${fmt.ms(d.p99)}, bad ${JSON.stringify(d.bad)}`,
          );

        // Any answer not of the kind asked for (a non-2xx, a hit run answered from Zoom, a
        // "no-cache" call answered from the cache) fails the goals: none is timed.
        const clean = (x: KindResult) => countOf(x.bad) === 0 && x.calls > 0;
        const fasterMet = results.every(
          (x) => clean(x.hit) && clean(x.miss) && x.ratioP50 >= GOAL_RATIO,
        );
        const hitApiCalls = results.reduce((a, x) => a + x.hit.apiCalls, 0);
        const quotaMet = hitApiCalls === 0 && results.every((x) => clean(x.hit));
        const badCell = (x: KindResult) => (countOf(x.bad) === 0 ? '0' : JSON.stringify(x.bad));
        const markdown = [
          `## ${title}`,
          '',
          `The simulator answers every API call after ${ZOOM_LATENCY_MS} ms. Two gateways as shipped (\`src/main.ts\`, plan ${PLAN}, ` +
            `\`CACHE_TTL_SECONDS=${TTL_SECONDS}\`, PostgreSQL): one with Redis, where a hit is one Redis read of the fleet's shared cache, ` +
            'and one without Redis, where the cache is in process memory. One meeting created through each; one plain GET of each route ' +
            'fills the cache (a 200 and not a hit, checked). ' +
            `Then ${rounds} rounds, in alternating order, of sequential calls (one at a time, kept-alive connection): ${hitCalls} cache hits ` +
            `(a plain GET, each answer checked for \`x-cache: HIT\`), ${zoomCalls} Zoom calls through the gateway (the same GET with ` +
            `\`Cache-Control: no-cache\`, checked not to be a hit) and ${zoomCalls} straight to the simulator with a token of the same app. ` +
            "Each call is timed from its start to the end of its body; only answers of the kind asked for are timed, any other is counted as bad. The simulator's " +
            "API calls are read before and after every run; the gateway's own count of cache reads is `zoom_cache_requests_total` (a `no-cache` read counts as `bypass`).",
          '',
          table(
            [
              'cache',
              'route',
              'hit p50 / p99',
              'Zoom call through the gateway p50 / p99',
              'miss p50 ÷ hit p50',
              'simulator API calls during hits / Zoom calls',
              'gateway counted (hit, miss, bypass)',
              'bad answers (hits / Zoom calls)',
            ],
            results.map((x) => [
              variants.find((v) => v.id === x.cache)?.label ?? x.cache,
              x.route,
              `${fmt.ms(x.hit.p50)} / ${fmt.ms(x.hit.p99)} (${fmt.int(x.hit.calls)} calls)`,
              `${fmt.ms(x.miss.p50)} / ${fmt.ms(x.miss.p99)} (${fmt.int(x.miss.calls)} calls)`,
              `**${fmt.ratio(x.ratioP50)}**`,
              `**${fmt.int(x.hit.apiCalls)}** / ${fmt.int(x.miss.apiCalls)}`,
              `${x.counted.hit}, ${x.counted.miss}, ${x.counted.bypass}`,
              `${badCell(x.hit)} / ${badCell(x.miss)}`,
            ]),
          ),
          '',
          `Straight to the simulator, for reference: ${directResults
            .map(
              (d) =>
                `${d.route} p50 ${fmt.ms(d.p50)}, p99 ${fmt.ms(d.p99)} (${fmt.int(d.calls)} calls, bad ${badCell(d)})`,
            )
            .join('; ')}. ` +
            `A hit is ${results.map((x) => `${fmt.ratio(x.directRatioP50)} (${x.cache}, ${x.route})`).join(', ')} faster at p50 than that.`,
          '',
          `Goals: a cache hit at least ${GOAL_RATIO}× faster than a Zoom call taking ${ZOOM_LATENCY_MS} ms (issue 16; at p50, both routes, both caches, ` +
            `no bad answer): **${fasterMet ? 'met' : 'missed'}**; a cache hit spends no Zoom quota (the simulator counted ${hitApiCalls} API calls ` +
            `during ${fmt.int(results.reduce((a, x) => a + x.hit.calls, 0))} hits): **${quotaMet ? 'met' : 'missed'}**.`,
          '',
        ].join('\n');
        const groups = results.map((x) => ({
          // Short: four labels share a 400 px panel.
          label: `${x.cache === 'redis' ? 'Redis' : 'memory'} ${x.route === ROUTES[0].route ? 'meeting' : 'users/me'}`,
          x,
        }));
        const svg = renderChart({
          title: `Cache hit vs a Zoom call answering in ${ZOOM_LATENCY_MS} ms, through the gateway`,
          note: `sequential calls, plan ${PLAN}, CACHE_TTL_SECONDS=${TTL_SECONDS}; a miss is the same GET with Cache-Control: no-cache`,
          panels: [
            {
              kind: 'bars',
              title: 'latency per call (p50, p99)',
              yLabel: 'ms',
              series: [
                { name: 'hit p50', color: COLORS.gatewayLight },
                { name: 'hit p99', color: COLORS.gateway },
                { name: 'Zoom call p50', color: COLORS.comparisonLight },
                { name: 'Zoom call p99', color: COLORS.comparison },
              ],
              groups: groups.map(({ label, x }) => ({
                label,
                values: [x.hit.p50, x.hit.p99, x.miss.p50, x.miss.p99],
              })),
              format: (v) => (v >= 10 ? String(Math.round(v)) : v.toFixed(1)),
            },
            {
              kind: 'bars',
              title: 'Zoom call p50 ÷ hit p50',
              yLabel: 'times faster',
              series: [{ name: 'miss p50 ÷ hit p50', color: COLORS.good }],
              groups: groups.map(({ label, x }) => ({ label, values: [x.ratioP50] })),
              referenceLine: { value: GOAL_RATIO, label: `goal ${GOAL_RATIO}×` },
              format: (v) => `${Math.round(v)}×`,
            },
          ],
        });
        return {
          result: {
            plan: PLAN,
            ttlSeconds: TTL_SECONDS,
            zoomLatencyMs: ZOOM_LATENCY_MS,
            rounds,
            hitCallsPerRound: hitCalls,
            zoomCallsPerRound: zoomCalls,
            warmingMisses,
            results,
            direct: directResults,
          },
          markdown,
          svg,
          goals: [
            {
              scenario: 'cache',
              goal: `cache hit ≥ ${GOAL_RATIO}× faster than a Zoom call taking ${ZOOM_LATENCY_MS} ms`,
              measured: results
                .map(
                  (x) =>
                    `${x.cache} ${x.route}: ${fmt.ms(x.hit.p50)} vs ${fmt.ms(x.miss.p50)} p50 = ${fmt.ratio(x.ratioP50)}` +
                    (countOf(x.hit.bad) + countOf(x.miss.bad) > 0
                      ? ` (bad answers ${JSON.stringify(x.hit.bad)} / ${JSON.stringify(x.miss.bad)})`
                      : ''),
                )
                .join('; '),
              met: fasterMet,
            },
            {
              scenario: 'cache',
              goal: 'a cache hit spends no Zoom quota',
              measured:
                `${hitApiCalls} simulator API calls during ${fmt.int(results.reduce((a, x) => a + x.hit.calls, 0))} hits ` +
                `(${fmt.int(results.reduce((a, x) => a + x.miss.apiCalls, 0))} during ${fmt.int(results.reduce((a, x) => a + x.miss.calls, 0))} Zoom calls)`,
              met: quotaMet,
            },
          ],
        };
      } finally {
        await simulator.control('setApiLatency', 0);
      }
    } finally {
      await agent.close();
      await Promise.all(fleets.map((f) => f.stop()));
    }
  },
};
