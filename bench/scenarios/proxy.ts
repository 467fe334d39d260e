// Scenario 3: what a call costs the gateway against a bare Node proxy doing the same forwarding
// (bench/bare-proxy.ts: node:http in, undici out, an API-key check, one cached bearer), in one run,
// alternating. CPU per request of each server process (from /proc, not the load generator's) and
// saturation throughput at 32 and 128 connections, for the meetings path (GET /v2/meetings/{id},
// the gateway's MeetingsController), the pass-through path (GET /v2/users/me) and a create. A
// create is also measured against the floor for a create: the same bare proxy making the gateway's
// record writes (the `creating` INSERT, then the UPDATE with Zoom's answer) to the gateway's own
// PostgreSQL database (bench/lib/meeting-records.ts). Then the levers, side by side in the same
// alternation (request log off, a larger young generation for the garbage collector, no Redis,
// and the bare proxy's forwarding inside a minimal Nest application on Fastify, the gateway's
// adapter: what Nest's pipeline costs), a Zoom-like 50 ms upstream, and CPU profiles of the
// gateway under the same load (a meeting read alone, then the three routes in turn).
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarizeCpuProfile, type ProfileSummary } from '../lib/cpu-profile.js';
import { type Fleet, startFleet } from '../lib/fleet.js';
import { createMeeting, meetingBody } from '../lib/meetings.js';
import { runLoad } from '../lib/load.js';
import {
  cpuSeconds,
  type ServerProcess,
  startBareProxy,
  startNestProxy,
} from '../lib/processes.js';
import { errorMessage } from '../lib/json.js';
import { progress, sleep } from '../lib/progress.js';
import {
  fmt,
  table,
  type Scenario,
  type ScenarioContext,
  type ScenarioOutcome,
} from '../lib/scenario.js';
import { median, round, summarizeLatencies, type LatencySummary, Samples } from '../lib/stats.js';
import { COLORS, renderChart } from '../lib/svg.js';

const MEETING_BODY = meetingBody('bench proxy');
const GOAL_CPU_RATIO = 1.5;
const GOAL_THROUGHPUT_RATIO = 0.5;
const ZOOM_LIKE_LATENCY_MS = 50;
/** MAX_INFLIGHT_PER_APP for the measured gateways: above any connection count here. */
const IN_FLIGHT_LIFTED = 1_024;
/** MB per semi-space of V8's young generation for the GC lever (Node 20's default is 16). */
const YOUNG_GEN_MB = 64;

/**
 * `gateway`: limits lifted, LOG_LEVEL=info, Redis: the gateway's own cost. `proxy`: the bare
 * proxy; `recorded`: the bare proxy with a create's record writes (the floor for a create). The
 * rest are levers.
 */
type TargetId = 'gateway' | 'proxy' | 'recorded' | 'quiet' | 'youngGen' | 'noRedis' | 'nestFastify';

const TARGET_LABEL: Record<TargetId, string> = {
  gateway: 'gateway',
  proxy: 'bare proxy',
  recorded: 'bare proxy with the record writes',
  quiet: 'gateway, LOG_LEVEL=warn',
  youngGen: `gateway, --max-semi-space-size=${YOUNG_GEN_MB}`,
  noRedis: 'gateway without Redis',
  nestFastify: 'the bare proxy in a minimal Nest app on Fastify',
};

/** The gateway with one thing changed; the other levers are not the gateway. */
const GATEWAY_LEVERS = ['quiet', 'youngGen', 'noRedis'] as const;
/** The bare proxy's forwarding inside Nest: GETs only (Nest's body parsers would take a create's body). */
const NEST_LEVERS = ['nestFastify'] as const;

interface Route {
  id: 'meetings' | 'passThrough' | 'create';
  label: string;
  method: 'GET' | 'POST';
  pathFor(target: TargetId): string;
  body?: string;
}

interface TargetMeasure {
  rps: number;
  /** server process CPU ms per answered request */
  cpuMs: number;
  /** the simulator's CPU ms per request meanwhile (the upstream's own cost) */
  simulatorCpuMs: number;
  latency: LatencySummary;
  non2xx: number;
  errors: number;
  /** per round, for the medians */
  roundRps: number[];
  roundCpuMs: number[];
}

interface CaseResult {
  route: string;
  routeId: Route['id'];
  connections: number;
  upstreamLatencyMs: number;
  targets: Partial<Record<TargetId, TargetMeasure>>;
  /** medians over rounds of the per-round ratio gateway ÷ proxy */
  cpuRatio: number;
  throughputRatio: number;
  /** creates: the same, gateway ÷ the bare proxy with the record writes */
  recordedCpuRatio?: number;
  recordedThroughputRatio?: number;
}

interface Target {
  id: TargetId;
  url: string;
  headers: Record<string, string>;
  process: { pid: number; cpuSeconds(): number };
}

export const proxy: Scenario = {
  id: 'proxy',
  title: 'Gateway vs a bare proxy',
  async run({ quick, simulator }: ScenarioContext): Promise<ScenarioOutcome> {
    const title = '3. Cost per request: the gateway vs a bare Node proxy';
    const duration = quick ? 1.5 : 2.5;
    const rounds = quick ? 1 : 3;
    await simulator.reset({ tokens: true, meetings: true });
    const env = {
      ZOOM_RATE_LIMIT_PLAN: 'business',
      CACHE_TTL_SECONDS: '0',
      // One app's calls in flight are capped at 64 per replica (a local 429 beyond): lifted, as
      // one app here drives 128 connections and the cost of the work, not of refusals, is measured.
      MAX_INFLIGHT_PER_APP: String(IN_FLIGHT_LIFTED),
    };
    const profileDir = mkdtempSync(join(tmpdir(), 'zg-bench-prof-'));
    const fleets: Fleet[] = [];
    const servers: ServerProcess[] = [];
    try {
      const started = await Promise.all([
        startFleet('proxy-gateway', 1, simulator.url, env, 'limits-lifted'),
        startFleet('proxy-quiet', 1, simulator.url, { ...env, LOG_LEVEL: 'warn' }, 'limits-lifted'),
        startFleet('proxy-young-gen', 1, simulator.url, env, 'limits-lifted', [
          `--max-semi-space-size=${YOUNG_GEN_MB}`,
        ]),
        startFleet('proxy-no-redis', 1, simulator.url, env, 'limits-lifted', [], false),
      ]);
      fleets.push(...started);
      const [gatewayFleet, quietFleet, youngGenFleet, noRedisFleet] = started;
      const [bare, recorded, nestFastify] = await Promise.all([
        startBareProxy('bare-proxy', simulator.url, gatewayFleet.apiKey),
        // Its records go where the measured gateway's go: the same database, tables and indexes.
        startBareProxy('bare-proxy-records', simulator.url, gatewayFleet.apiKey, {
          recordsDatabaseUrl: gatewayFleet.databaseUrl,
        }),
        startNestProxy('nest-proxy-fastify', simulator.url, gatewayFleet.apiKey),
      ]);
      servers.push(bare, recorded, nestFastify);
      const serverTarget = (id: TargetId, server: ServerProcess): Target => ({
        id,
        url: `${server.url}/v2`,
        headers: gatewayFleet.headers,
        process: server,
      });
      const targetOf = (id: TargetId, fleet: Fleet): Target => ({
        id,
        url: `${fleet.gateways[0].url}/v2`,
        headers: fleet.headers,
        process: fleet.gateways[0],
      });
      const targets: Record<TargetId, Target> = {
        gateway: targetOf('gateway', gatewayFleet),
        quiet: targetOf('quiet', quietFleet),
        youngGen: targetOf('youngGen', youngGenFleet),
        noRedis: targetOf('noRedis', noRedisFleet),
        proxy: serverTarget('proxy', bare),
        recorded: serverTarget('recorded', recorded),
        nestFastify: serverTarget('nestFastify', nestFastify),
      };

      // One meeting to read per gateway (so each holds its record, as for any caller's meeting);
      // the bare proxies read the first gateway's.
      const meetingIds: Record<TargetId, string> = {
        gateway: '',
        proxy: '',
        recorded: '',
        quiet: '',
        youngGen: '',
        noRedis: '',
        nestFastify: '',
      };
      for (const id of ['gateway', 'quiet', 'youngGen', 'noRedis'] as const) {
        meetingIds[id] = await createMeeting(targets[id].url, targets[id].headers, 'bench proxy');
      }
      meetingIds.proxy = meetingIds.recorded = meetingIds.nestFastify = meetingIds.gateway;
      const routes: Route[] = [
        {
          id: 'meetings',
          label: 'GET /v2/meetings/{id}',
          method: 'GET',
          pathFor: (id) => `/meetings/${meetingIds[id]}`,
        },
        { id: 'passThrough', label: 'GET /v2/users/me', method: 'GET', pathFor: () => '/users/me' },
        {
          id: 'create',
          label: 'POST /v2/users/me/meetings',
          method: 'POST',
          pathFor: () => '/users/me/meetings',
          body: MEETING_BODY,
        },
      ];

      const load = (target: Target, route: Route, connections: number, seconds: number) =>
        runLoad({
          urls: [`${target.url}${route.pathFor(target.id)}`],
          method: route.method,
          headers: {
            ...target.headers,
            ...(route.body ? { 'Content-Type': 'application/json' } : {}),
          },
          body: route.body,
          connections,
          duration: seconds,
        });

      const measure = async (
        route: Route,
        connections: number,
        ids: TargetId[],
        upstreamLatencyMs = 0,
      ): Promise<CaseResult> => {
        for (const id of ids) await load(targets[id], route, connections, 1);
        const acc = new Map(
          ids.map((id) => [
            id,
            {
              ok: 0,
              answered: 0,
              non2xx: 0,
              errors: 0,
              seconds: 0,
              cpu: 0,
              sim: 0,
              lat: new Samples(),
              roundRps: [] as number[],
              roundCpuMs: [] as number[],
            },
          ]),
        );
        for (let r = 0; r < rounds; r++) {
          // Each round rotates who goes first, so drifting machine load falls on all alike.
          const order = ids.map((_, i) => ids[(i + r) % ids.length]);
          for (const id of order) {
            const target = targets[id];
            const cpu0 = target.process.cpuSeconds();
            const sim0 = cpuSeconds(simulator.pid);
            const result = await load(target, route, connections, duration);
            const cpu = target.process.cpuSeconds() - cpu0;
            const sim = cpuSeconds(simulator.pid) - sim0;
            const a = acc.get(id)!;
            const answered = result.ok + result.non2xx;
            a.ok += result.ok;
            a.answered += answered;
            a.non2xx += result.non2xx;
            a.errors += result.errors;
            a.seconds += result.durationS;
            a.cpu += cpu;
            a.sim += sim;
            a.lat.append(result.latencies);
            a.roundRps.push(result.ok / result.durationS);
            a.roundCpuMs.push((cpu * 1000) / Math.max(1, answered));
          }
        }
        const measured: Partial<Record<TargetId, TargetMeasure>> = {};
        for (const [id, a] of acc) {
          measured[id] = {
            rps: round(a.ok / a.seconds, 1),
            cpuMs: round((a.cpu * 1000) / Math.max(1, a.answered), 3),
            simulatorCpuMs: round((a.sim * 1000) / Math.max(1, a.answered), 3),
            latency: summarizeLatencies(a.lat.values()),
            non2xx: a.non2xx,
            errors: a.errors,
            roundRps: a.roundRps.map((v) => round(v, 1)),
            roundCpuMs: a.roundCpuMs.map((v) => round(v, 3)),
          };
        }
        const g = acc.get('gateway')!;
        const p = acc.get('proxy')!;
        const f = acc.get('recorded');
        const result: CaseResult = {
          route: route.label,
          routeId: route.id,
          connections,
          upstreamLatencyMs,
          targets: measured,
          cpuRatio: roundRatio(g.roundCpuMs, p.roundCpuMs),
          throughputRatio: roundRatio(g.roundRps, p.roundRps, 3),
          ...(f
            ? {
                recordedCpuRatio: roundRatio(g.roundCpuMs, f.roundCpuMs),
                recordedThroughputRatio: roundRatio(g.roundRps, f.roundRps, 3),
              }
            : {}),
        };
        progress(
          `proxy ${route.label} c${connections}${upstreamLatencyMs ? ` upstream +${upstreamLatencyMs} ms` : ''}: ` +
            ids
              .map((id) => `${id} ${fmt.int(measured[id]!.rps)}/s ${measured[id]!.cpuMs} ms CPU`)
              .join(', ') +
            ` → CPU ${fmt.ratio(result.cpuRatio)}, throughput ${fmt.ratio(result.throughputRatio)}` +
            (result.recordedCpuRatio === undefined
              ? ''
              : `; vs the bare proxy with the record writes: CPU ${fmt.ratio(result.recordedCpuRatio)}, ` +
                `throughput ${fmt.ratio(result.recordedThroughputRatio!)}`),
        );
        return result;
      };

      const cases: CaseResult[] = [];
      for (const route of routes) {
        for (const connections of [32, 128]) {
          const ids: TargetId[] = ['gateway', 'proxy'];
          if (route.id === 'create') ids.push('recorded');
          if (connections === 32 && route.id !== 'passThrough') ids.push(...GATEWAY_LEVERS);
          if (connections === 32 && route.id === 'meetings') ids.push(...NEST_LEVERS);
          cases.push(await measure(route, connections, ids));
        }
      }
      // Against an upstream as far away as Zoom, concurrency rather than CPU bounds both.
      await simulator.control('setApiLatency', ZOOM_LIKE_LATENCY_MS);
      try {
        cases.push(await measure(routes[0], 32, ['gateway', 'proxy'], ZOOM_LIKE_LATENCY_MS));
      } finally {
        await simulator.control('setApiLatency', 0);
      }
      // Then where the gateway's CPU goes: the same gateway build under the same load, profiled;
      // a meeting read alone (its own meeting, created before the profile's window), then the three
      // routes in turn.
      const profileGateway = async (
        name: string,
        loadProfiled: (target: Target, loadStarts: () => void) => Promise<void>,
      ): Promise<ProfileSummary | undefined> => {
        const dir = join(profileDir, name);
        mkdirSync(dir, { recursive: true });
        const profiled = await startFleet(name, 1, simulator.url, env, 'limits-lifted', [
          '--cpu-prof',
          '--cpu-prof-dir',
          dir,
        ]);
        const ready = performance.now();
        let loadStartedAt = ready;
        try {
          const target: Target = { ...targetOf('gateway', profiled) };
          await loadProfiled(target, () => {
            loadStartedAt = performance.now();
          });
        } finally {
          await profiled.stop();
        }
        const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
        // Start-up (module loading, compiling) and any set-up are left out: only the load counts.
        const skipMs = profiled.gateways[0].readyMs + (loadStartedAt - ready);
        return file ? summarizeCpuProfile(join(dir, file), 12, skipMs) : undefined;
      };
      // Each profiled gateway reads a meeting of its own (created before the profile's window), so
      // it holds the record, as for any caller's meeting; another gateway's would answer 404/3001.
      const profiledLoad = async (target: Target, route: Route, seconds: number) => {
        const result = await load(target, route, 32, seconds);
        if (result.non2xx + result.errors > 0)
          progress(
            `proxy profile ${route.label}: ${result.non2xx} non-2xx and ${result.errors} errors`,
          );
      };
      const ownRoutes = async (target: Target): Promise<Route[]> => {
        const meetingId = await createMeeting(target.url, target.headers, 'bench proxy');
        return routes.map((r) =>
          r.id === 'meetings' ? { ...r, pathFor: () => `/meetings/${meetingId}` } : r,
        );
      };
      const meetingProfile = await profileGateway(
        'proxy-profiled-read',
        async (target, loadStarts) => {
          const [read] = await ownRoutes(target);
          await sleep(500);
          loadStarts();
          await profiledLoad(target, read, quick ? 3 : 6);
        },
      ).catch(noProfile);
      const profile = await profileGateway('proxy-profiled', async (target, loadStarts) => {
        const own = await ownRoutes(target);
        await sleep(500);
        loadStarts();
        for (const route of own) await profiledLoad(target, route, quick ? 2 : 4);
      }).catch(noProfile);

      return report({ title, cases, profile, meetingProfile, profileDir, duration, rounds });
    } finally {
      await Promise.all([...fleets.map((f) => f.stop()), ...servers.map((s) => s.stop())]);
    }
  },
};

const verdict = (met: boolean) => (met ? 'met' : 'missed');

/** A profile that failed leaves its section empty; the scenario's measures stand. */
function noProfile(error: unknown): undefined {
  progress(`proxy: a CPU profile failed: ${errorMessage(error)}`);
  return undefined;
}

/**
 * The median over rounds of a ÷ b measured in the same round: a round the machine slowed for
 * everyone (this host has them) moves both sides, not the ratio.
 */
function roundRatio(a: number[], b: number[], digits = 2): number {
  return round(median(a.map((v, i) => v / b[i])), digits);
}

/**
 * The measured reason the CPU goal of a read is missed (or met) and what it would take, from one
 * case's levers: what Nest on Fastify costs with nothing in it, and what the gateway spends above
 * the bare proxy and on what.
 */
function costBreakdown(c: CaseResult): string | undefined {
  const { gateway: g, proxy: p, quiet, noRedis, nestFastify } = c.targets;
  if (!g || !p || !quiet || !noRedis || !nestFastify) return undefined;
  const above = g.cpuMs - p.cpuMs;
  // What the gateway saves without it: its CPU times (1 - the lever's per-round ratio).
  const part = (lever: TargetMeasure) => {
    const ms = Math.max(0, g.cpuMs * (1 - roundRatio(lever.roundCpuMs, g.roundCpuMs)));
    return `${round(ms, 3)} ms (${Math.round((ms / above) * 100)}%)`;
  };
  const nestRatio = roundRatio(nestFastify.roundCpuMs, p.roundCpuMs);
  return (
    `What the goal would take (\`${c.route}\`, ${c.connections} connections). Nest with nothing in it on Fastify ` +
    `(the gateway's adapter), forwarding as the bare proxy does, costs ${fmt.ratio(nestRatio)} the bare proxy's CPU ` +
    `per request: the framework alone is ${nestRatio <= GOAL_CPU_RATIO ? 'within' : 'past'} the ${GOAL_CPU_RATIO}× goal. ` +
    `The gateway, at ${fmt.ratio(c.cpuRatio)}, spends ${round(above, 3)} ms per request above the bare proxy ` +
    `(the goal allows ${round(p.cpuMs * (GOAL_CPU_RATIO - 1), 3)} ms): the request log line about ${part(quiet)}, ` +
    `the fleet's Redis about ${part(noRedis)} (levers within this host's round-to-round noise of a tenth), and the rest its own work on every call (the API key and its ` +
    "grants, the meeting's ownership record, the governor, metrics, 401 recovery, and Nest's pipeline beyond one guard: " +
    'the profiles below). Coming within the goal would take a cheaper request line and less per-call work than the ' +
    'governor, metrics and ownership checks that the other goals require.'
  );
}

/** A create against its floor: what the record writes cost the bare proxy, and what the gateway spends above them. */
function createBreakdown(c: CaseResult): string | undefined {
  const { gateway: g, proxy: p, recorded: f } = c.targets;
  if (!g || !p || !f || c.recordedCpuRatio === undefined) return undefined;
  return (
    `A create (\`${c.route}\`, ${c.connections} connections): the bare proxy with the record writes costs ` +
    `${f.cpuMs} ms per create, ${fmt.ratio(roundRatio(f.roundCpuMs, p.roundCpuMs))} the bare proxy's ${p.cpuMs} ms ` +
    `(${round(f.cpuMs - p.cpuMs, 3)} ms for the two statements on a pg pool, the body and Zoom's answer read and parsed), ` +
    `at ${fmt.int(f.rps)} creates/s against the bare proxy's ${fmt.int(p.rps)}. The gateway, at ${g.cpuMs} ms and ` +
    `${fmt.int(g.rps)}/s, is ${fmt.ratio(c.recordedCpuRatio)} that floor: ${round(g.cpuMs - f.cpuMs, 3)} ms per create ` +
    `of its own work above the same writes (the goal allows ${round(f.cpuMs * (GOAL_CPU_RATIO - 1), 3)} ms).`
  );
}

const profileRows = (list: ProfileSummary['functions']) =>
  list.map((f, i) => [i + 1, `\`${f.name}\``, `${(f.share * 100).toFixed(1)}%`]);

/** One profile's three tables: modules, modules with Node and natives charged to their caller, functions. */
function profileSection(heading: string, profile: ProfileSummary | undefined): string[] {
  if (!profile) return [`${heading}: the CPU profile was not written.`, ''];
  return [
    `${heading}, ${fmt.int(profile.busyMs)} ms of busy CPU sampled)`,
    '',
    table(['#', 'module (self time)', 'share'], profileRows(profile.modules)),
    '',
    "The same with Node's own, native and V8 frames (socket writes, string encoding, streams) charged to the nearest caller outside Node:",
    '',
    table(
      ['#', 'module, Node and natives charged to their caller', 'share'],
      profileRows(profile.callers),
    ),
    '',
    table(['#', 'function (self time)', 'share'], profileRows(profile.functions)),
    '',
  ];
}

function report(input: {
  title: string;
  cases: CaseResult[];
  profile?: ProfileSummary;
  meetingProfile?: ProfileSummary;
  profileDir: string;
  duration: number;
  rounds: number;
}): ScenarioOutcome {
  const { cases, profile, meetingProfile } = input;
  const base = cases.filter((c) => c.upstreamLatencyMs === 0);
  const find = (routeId: Route['id'], connections: number) =>
    base.find((c) => c.routeId === routeId && c.connections === connections)!;
  // A target that answered errors did not do the work the ratio compares: no goal is met on it.
  const failures = cases.reduce(
    (n, c) => n + Object.values(c.targets).reduce((m, t) => m + (t ? t.non2xx + t.errors : 0), 0),
    0,
  );
  const clean = failures === 0;
  const maxCpuRatio = Math.max(...base.map((c) => c.cpuRatio));
  const minThroughputRatio = Math.min(...base.map((c) => c.throughputRatio));
  // Reads against the bare proxy; a create against the bare proxy with the same record writes.
  const reads = base.filter((c) => c.routeId !== 'create');
  const creates = base.filter((c) => c.routeId === 'create');
  const maxReadCpuRatio = Math.max(...reads.map((c) => c.cpuRatio));
  const maxCreateCpuRatio = Math.max(...creates.map((c) => c.recordedCpuRatio ?? Number.NaN));
  const readsMet = clean && maxReadCpuRatio <= GOAL_CPU_RATIO;
  const createsMet = clean && maxCreateCpuRatio <= GOAL_CPU_RATIO;
  // Issue 13: the pass-through path costs no more than the meetings path (gateway CPU per request).
  const pathRatios = [32, 128].map((n) => {
    const pt = find('passThrough', n).targets.gateway!;
    const mt = find('meetings', n).targets.gateway!;
    return {
      connections: n,
      cpu: round(pt.cpuMs / mt.cpuMs, 2),
      throughput: round(pt.rps / mt.rps, 2),
    };
  });
  const passThroughMet = clean && pathRatios.every((r) => r.cpu <= 1);
  const leverCases = base.filter((c) => c.targets.quiet);
  const leverRows = leverCases.flatMap((c) => {
    const g = c.targets.gateway!;
    return [...GATEWAY_LEVERS, ...NEST_LEVERS].flatMap((id) => {
      const t = c.targets[id];
      if (!t) return [];
      return [
        [
          c.route,
          TARGET_LABEL[id],
          `${g.cpuMs} → ${t.cpuMs}`,
          fmt.ratio(roundRatio(t.roundCpuMs, g.roundCpuMs)),
          fmt.ratio(roundRatio(t.roundRps, g.roundRps)),
          fmt.ratio(roundRatio(t.roundCpuMs, c.targets.proxy!.roundCpuMs)),
        ],
      ];
    });
  });
  const whatItWouldTake = costBreakdown(find('meetings', 32));
  const createCost = createBreakdown(find('create', 32));
  const rows = cases.map((c) => {
    const g = c.targets.gateway!;
    const p = c.targets.proxy!;
    const f = c.targets.recorded;
    // The ratio a goal is set on is in bold: a read's to the bare proxy, a create's to its floor.
    const goalOnProxy = c.routeId !== 'create' && c.upstreamLatencyMs === 0;
    return [
      c.route,
      `${c.connections}${c.upstreamLatencyMs ? `, upstream +${c.upstreamLatencyMs} ms` : ''}`,
      `${g.cpuMs} / ${p.cpuMs}`,
      goalOnProxy ? `**${fmt.ratio(c.cpuRatio)}**` : fmt.ratio(c.cpuRatio),
      f ? `${f.cpuMs} ms, ${fmt.int(f.rps)}/s, p99 ${fmt.ms(f.latency.p99)}` : '—',
      c.recordedCpuRatio === undefined ? '—' : `**${fmt.ratio(c.recordedCpuRatio)}**`,
      `${fmt.int(g.rps)} / ${fmt.int(p.rps)}`,
      `**${fmt.ratio(c.throughputRatio)}**`,
      `${fmt.ms(g.latency.p99)} / ${fmt.ms(p.latency.p99)}`,
      String(p.simulatorCpuMs),
      g.non2xx + g.errors + p.non2xx + p.errors + (f ? f.non2xx + f.errors : 0),
    ];
  });
  const markdown = [
    `## ${input.title}`,
    '',
    'One gateway replica (PostgreSQL, Redis, `LOG_LEVEL=info`, plan limits and the daily 100 creates per host lifted so the governor does not pace, ' +
      `\`MAX_INFLIGHT_PER_APP=${IN_FLIGHT_LIFTED}\` so one app's 128 connections are not refused, \`CACHE_TTL_SECONDS=0\`) ` +
      'against `bench/bare-proxy.ts`: node:http in, undici out, an API-key check, one bearer minted ' +
      'at start-up and cached, `/v2/...` forwarded as it came. For creates, also against the floor for a create: the same ' +
      'bare proxy with `PROXY_RECORDS_DATABASE_URL` (`bench/lib/meeting-records.ts`), which makes the record writes the ' +
      "gateway makes for every create, to the gateway's own PostgreSQL database on a pool of the gateway's settings: the " +
      "`creating` row INSERTed (every column) before the call to Zoom, then the UPDATE with Zoom's answer " +
      "(`WHERE id AND status = 'creating'`) before the caller is answered, reading and parsing the body and Zoom's answer " +
      'for their values. All in front of the same simulator, each its own process; CPU ' +
      `is each server process's user+system time from \`/proc/<pid>/stat\` divided by the requests it answered. ` +
      `${input.rounds} rounds of ${input.duration} s per target, the order rotating each round; ratios are the median of the per-round ratios.`,
    '',
    table(
      [
        'route',
        'connections',
        'CPU ms/request gateway / bare proxy',
        'CPU ratio to the bare proxy (reads: goal ≤ 1.5×)',
        'bare proxy with the record writes: CPU ms/request, req/s, p99',
        'CPU ratio to it (creates: goal ≤ 1.5×)',
        'req/s gateway / bare proxy',
        'throughput ratio (goal ≥ 0.5×)',
        'p99 gateway / bare proxy',
        'simulator CPU ms/request',
        'non-2xx + errors',
      ],
      rows,
    ),
    '',
    `Goals: a meeting read and a pass-through read each cost ≤ ${GOAL_CPU_RATIO}× the bare proxy's CPU per request: ` +
      `**${verdict(readsMet)}** (highest ${fmt.ratio(maxReadCpuRatio)}); ` +
      `a create ≤ ${GOAL_CPU_RATIO}× the CPU per create of the bare proxy with the same record writes: ` +
      `**${verdict(createsMet)}** (highest ${fmt.ratio(maxCreateCpuRatio)}; ` +
      `${creates.map((c) => fmt.ratio(c.cpuRatio)).join(' and ')} the bare proxy without them); ` +
      `saturation throughput ≥ ${GOAL_THROUGHPUT_RATIO}× the bare proxy's: **${verdict(clean && minThroughputRatio >= GOAL_THROUGHPUT_RATIO)}** (lowest ${fmt.ratio(minThroughputRatio)})` +
      (clean ? '.' : `; ${fmt.int(failures)} answers were errors or non-2xx, so no goal counts.`),
    '',
    `Pass-through path vs meetings path (issue 13: "costs no more"), gateway CPU per request \`GET /v2/users/me\` ÷ \`GET /v2/meetings/{id}\`: ` +
      pathRatios
        .map(
          (r) =>
            `${fmt.ratio(r.cpu)} at ${r.connections} connections (throughput ${fmt.ratio(r.throughput)})`,
        )
        .join(', ') +
      `: **${passThroughMet ? 'met' : 'missed'}**.`,
    '',
    ...(createCost ? [createCost, ''] : []),
    '### Levers, measured in the same alternation (32 connections; ratios are medians of per-round ratios)',
    '',
    table(
      [
        'route',
        'variant',
        'CPU ms/request gateway → variant',
        'CPU ÷ gateway',
        'throughput ÷ gateway',
        'CPU ÷ bare proxy',
      ],
      leverRows,
    ),
    '',
    '`LOG_LEVEL=warn`: no request log line. ' +
      `\`--max-semi-space-size=${YOUNG_GEN_MB}\`: V8's young generation four times Node's default, so short-lived request objects ` +
      "are collected less often. `without Redis`: no `REDIS_URL` (in-process governor and token store), what the fleet's Redis " +
      "round trips cost one replica. `the bare proxy in a minimal Nest app on Fastify`: `bench/nest-proxy.ts`, the bare proxy's very " +
      'forwarding behind one Nest controller and one guard (the API key) on `@nestjs/platform-fastify`, the adapter the ' +
      "gateway runs on: what Nest's request pipeline costs. (undici, measured as a lever in an " +
      'earlier run, is now what every Zoom call goes through.)',
    '',
    ...(whatItWouldTake ? [whatItWouldTake, ''] : []),
    ...profileSection(
      "### Where the gateway's CPU goes in a meeting read (`node --cpu-prof`, `GET /v2/meetings/{id}` alone at 32 connections",
      meetingProfile,
    ),
    ...profileSection(
      "### Where the gateway's CPU goes, the three routes in turn (`node --cpu-prof`",
      profile,
    ),
  ].join('\n');
  const svg = renderChart({
    title: 'Gateway vs bare proxy: CPU per request and saturation throughput',
    note: 'one replica each, same simulator; plan limits lifted, LOG_LEVEL=info; creates also vs the bare proxy with the record writes',
    panels: [
      {
        kind: 'bars',
        title: 'server CPU ms per request',
        yLabel: 'ms',
        series: [
          { name: 'gateway', color: COLORS.gateway },
          { name: 'bare proxy', color: COLORS.comparison },
          { name: 'bare proxy + record writes', color: COLORS.comparisonLight },
        ],
        groups: base.map((c) => ({
          label: `${c.route.split(' ')[0]} ${c.routeId} c${c.connections}`,
          values: [
            c.targets.gateway!.cpuMs,
            c.targets.proxy!.cpuMs,
            c.targets.recorded?.cpuMs ?? null,
          ],
        })),
        format: (v) => v.toFixed(2),
      },
      {
        kind: 'bars',
        title: 'throughput at saturation',
        yLabel: 'requests / s',
        series: [
          { name: 'gateway', color: COLORS.gateway },
          { name: 'bare proxy', color: COLORS.comparison },
          { name: 'bare proxy + record writes', color: COLORS.comparisonLight },
        ],
        groups: cases.map((c) => ({
          label: `${c.routeId} c${c.connections}${c.upstreamLatencyMs ? ' +50ms' : ''}`,
          values: [c.targets.gateway!.rps, c.targets.proxy!.rps, c.targets.recorded?.rps ?? null],
        })),
      },
    ],
  });
  return {
    result: {
      durationSeconds: input.duration,
      rounds: input.rounds,
      cpuRatioMax: maxCpuRatio,
      readCpuRatioMax: maxReadCpuRatio,
      createCpuRatioToRecordWritesMax: maxCreateCpuRatio,
      throughputRatioMin: minThroughputRatio,
      passThroughVsMeetings: pathRatios,
      cases,
      meetingProfile,
      profile,
    },
    markdown,
    svg,
    goals: [
      {
        scenario: 'proxy',
        goal: `a meeting read and a pass-through read each cost ≤ ${GOAL_CPU_RATIO}× the bare proxy's CPU per request at saturation`,
        measured: reads
          .map((c) => `${c.routeId} c${c.connections} ${fmt.ratio(c.cpuRatio)}`)
          .join('; '),
        met: readsMet,
      },
      {
        scenario: 'proxy',
        goal: `a create costs ≤ ${GOAL_CPU_RATIO}× the CPU of the bare proxy with the same record writes at saturation`,
        measured: creates
          .map(
            (c) =>
              `create c${c.connections} ${fmt.ratio(c.recordedCpuRatio ?? Number.NaN)} (${fmt.ratio(c.cpuRatio)} the bare proxy)`,
          )
          .join('; '),
        met: createsMet,
      },
      {
        scenario: 'proxy',
        goal: `saturation throughput ≥ ${GOAL_THROUGHPUT_RATIO}× the bare proxy's (32 and 128 connections)`,
        measured: base
          .map((c) => `${c.routeId} c${c.connections} ${fmt.ratio(c.throughputRatio)}`)
          .join('; '),
        met: clean && minThroughputRatio >= GOAL_THROUGHPUT_RATIO,
      },
      {
        scenario: 'proxy',
        goal: 'pass-through path costs no more CPU per request than the meetings path',
        measured: pathRatios.map((r) => `c${r.connections} ${fmt.ratio(r.cpu)}`).join('; '),
        met: passThroughMet,
      },
    ],
  };
}
