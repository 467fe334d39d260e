// Scenario 6b (issue 26, "Zoom's limits as Zoom counts them"): one gateway as shipped
// (ZOOM_RATE_LIMIT_PLAN=business, Redis, PostgreSQL) in front of a simulator enforcing Business'
// limits as Zoom counts them (per account, per product table and category, whole clock seconds,
// whole clock minutes for Resource-intensive; categories from the same route table). Through one
// admin API key, open-loop arrivals at 90% of each bucket's limit, all five buckets at once:
// Light, Medium, Heavy, Resource-intensive (18 calls a minute) and Phone's Heavy. Per bucket:
// calls sent, Zoom's 429s (the simulator's own counter for that bucket), the gateway's own 429s,
// Zoom's busiest window, and the longest any call took from its scheduled start to its answer
// (the governor's wait plus a few ms of gateway and simulator), against Zoom's window.
// Then a burst: 30 Resource-intensive calls at once on a fresh account, where 20 fit Zoom's minute.
import { z } from 'zod';
import { Agent, request } from 'undici';
import { startFleet, type Fleet } from '../lib/fleet.js';
import { fixedCountSchedule } from '../lib/open-loop.js';
import { benchApiKey, startSimulator, type SimulatorProcess } from '../lib/processes.js';
import { progress, sleep } from '../lib/progress.js';
import {
  fmt,
  table,
  type Goal,
  type Scenario,
  type ScenarioContext,
  type ScenarioOutcome,
} from '../lib/scenario.js';
import { round, Samples, summarizeLatencies, type LatencySummary } from '../lib/stats.js';
import { COLORS, renderChart } from '../lib/svg.js';
import { ZoomRouteTable } from '@zoom-gateway/zoom-routes';
import { bucketOf, planLimit } from '../../src/zoom/api/zoom-limits.js';
import { slidingWindowOf } from '../../src/zoom/api/rate-limit-slots.js';

const PLAN = 'business';
const PLAN_NAME = 'Business';
/** Each bucket is sent this share of its limit. */
const SHARE = 0.9;
/** The steady phase's length: one of Zoom's minutes, so Resource-intensive gets its 18 calls. */
const DURATION_S = 60;
const QUICK_DURATION_S = 20;
const BURST = 30;
const SEED = 26;

interface Target {
  label: string;
  method: 'GET';
  /** relative to /v2 */
  path: string;
  /** what Zoom (the simulator) answers: 404 "No handler found" for a path it counts but does not serve */
  expectedStatus: number;
}

const TARGETS: Target[] = [
  { label: 'Light', method: 'GET', path: '/users/me', expectedStatus: 200 },
  { label: 'Medium', method: 'GET', path: '/users', expectedStatus: 200 },
  { label: 'Heavy', method: 'GET', path: '/report/daily', expectedStatus: 404 },
  {
    label: 'Resource-intensive',
    method: 'GET',
    path: '/metrics/meetings',
    expectedStatus: 404,
  },
  { label: 'Phone Heavy', method: 'GET', path: '/phone/call_logs', expectedStatus: 404 },
];

/** A target with its bucket and Business' limit, from the gateway's own route table and limits. */
interface Planned extends Target {
  bucket: string;
  limit: number;
  windowMs: 1_000 | 60_000;
  calls: number;
  /** ms offsets of its calls from the start of the run */
  schedule: number[];
}

const BucketReport = z.object({
  windowMs: z.number(),
  limit: z.number(),
  admitted: z.number(),
  limited: z.number(),
  maxPerWindow: z.number(),
  windows: z.array(z.object({ start: z.number(), admitted: z.number(), limited: z.number() })),
});
type BucketReport = z.infer<typeof BucketReport>;
const RateLimitReport = z.object({
  plan: z.string(),
  enabled: z.boolean(),
  buckets: z.record(z.string(), BucketReport),
});
const Stats = z.object({
  rateLimited: z.number(),
  rateLimitedBy: z.record(z.string(), z.number()),
});

async function rateLimits(simulator: SimulatorProcess): Promise<z.infer<typeof RateLimitReport>> {
  return RateLimitReport.parse(await simulator.control('rateLimits'));
}

async function simulatorStats(simulator: SimulatorProcess): Promise<z.infer<typeof Stats>> {
  const response = await fetch(`${simulator.url}/__simulator/stats`);
  return Stats.parse(await response.json());
}

/** The governor's wait histogram for one bucket, from the gateway's /metrics. */
async function governorWaits(
  url: string,
  bucket: string,
): Promise<{ count: number; heldBack: number; over1s: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const lines = text
    .split('\n')
    .filter(
      (l) => l.startsWith('zoom_rate_limit_wait_seconds_') && l.includes(`category="${bucket}"`),
    );
  const value = (prefix: string, le?: string) => {
    const line = lines.find(
      (l) => l.startsWith(prefix) && (le === undefined || l.includes(`le="${le}"`)),
    );
    return Number(line?.split(' ').at(-1) ?? 0);
  };
  const count = value('zoom_rate_limit_wait_seconds_count');
  return {
    count,
    heldBack: count - value('zoom_rate_limit_wait_seconds_bucket', '0'),
    over1s: count - value('zoom_rate_limit_wait_seconds_bucket', '1'),
  };
}

interface Tally {
  sent: number;
  statuses: Record<string, number>;
  /** 429s the gateway answered itself (`X-Gateway-Refusal`) */
  localRefusals: number;
  /** of those, how many carried Retry-After */
  withRetryAfter: number;
  retryAfterSeconds: number[];
  errors: number;
  /** ms from scheduled start to the end of the answer, every answer but the gateway's own 429s */
  latencies: Samples;
}

const newTally = (): Tally => ({
  sent: 0,
  statuses: {},
  localRefusals: 0,
  withRetryAfter: 0,
  retryAfterSeconds: [],
  errors: 0,
  latencies: new Samples(),
});

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function call(
  agent: Agent,
  url: string,
  headers: Record<string, string>,
  tally: Tally,
  scheduled: number,
): Promise<void> {
  tally.sent++;
  try {
    const response = await request(url, { method: 'GET', headers, dispatcher: agent });
    await response.body.dump();
    const ended = performance.now();
    tally.statuses[response.statusCode] = (tally.statuses[response.statusCode] ?? 0) + 1;
    if (response.statusCode === 429 && response.headers['x-gateway-refusal']) {
      tally.localRefusals++;
      const retryAfter = headerValue(response.headers['retry-after']);
      if (retryAfter !== undefined) {
        tally.withRetryAfter++;
        tally.retryAfterSeconds.push(Number(retryAfter));
      }
    } else {
      tally.latencies.push(ended - scheduled);
    }
  } catch {
    tally.errors++;
  }
}

/**
 * Every target's arrivals merged into one schedule, fired on time from one loop (a timer, then a
 * spin for the last millisecond, as runOpenLoop does), whatever the answers do.
 */
async function drive(
  agent: Agent,
  baseUrl: string,
  headers: Record<string, string>,
  planned: Planned[],
): Promise<{
  tallies: Tally[];
  lateStartP99Ms: number;
  lateStartMaxMs: number;
  /** the run's start on the wall clock, where Zoom's windows begin */
  startEpochMs: number;
}> {
  const tallies = planned.map(newTally);
  const arrivals = planned
    .flatMap((p, i) => p.schedule.map((offset) => ({ offset, i })))
    .sort((a, b) => a.offset - b.offset);
  const late = new Samples();
  const inFlight: Promise<void>[] = [];
  const start = performance.now() + 20;
  const startEpochMs = Date.now() + 20;
  for (const { offset, i } of arrivals) {
    const scheduled = start + offset;
    const wait = scheduled - performance.now();
    if (wait > 1) await new Promise<void>((done) => setTimeout(done, wait - 1));
    while (performance.now() < scheduled) {
      // spin: setTimeout alone starts calls up to a few ms late
    }
    late.push(performance.now() - scheduled);
    inFlight.push(call(agent, `${baseUrl}/v2${planned[i].path}`, headers, tallies[i], scheduled));
  }
  await Promise.all(inFlight);
  const lateness = summarizeLatencies(late.values());
  return { tallies, lateStartP99Ms: lateness.p99, lateStartMaxMs: lateness.max, startEpochMs };
}

/**
 * The floor for these arrivals: how long each call would wait under an ideal first-come pacer
 * that lets `limit` calls start in any sliding `windowMs` (as the governor counts, with its
 * margin), answering in no time. Random arrivals at 90% of a small limit queue on their own.
 */
function slidingFloor(schedule: number[], limit: number, windowMs: number): LatencySummary {
  const starts: number[] = [];
  const waits = schedule.map((arrival, k) => {
    const start = Math.max(arrival, k >= limit ? starts[k - limit] + windowMs : 0);
    starts.push(start);
    return start - arrival;
  });
  return summarizeLatencies(waits);
}

/**
 * The same under an ideal pacer that knows Zoom's clock: `limit` calls in each whole clock
 * window, first come first served; `startEpochMs` places the run on that clock.
 */
function clockFloor(
  schedule: number[],
  limit: number,
  windowMs: number,
  startEpochMs: number,
): LatencySummary {
  const counts = new Map<number, number>();
  let current = Number.NEGATIVE_INFINITY;
  const waits = schedule.map((offset) => {
    const arrival = startEpochMs + offset;
    let window = Math.max(Math.floor(arrival / windowMs), current);
    while ((counts.get(window) ?? 0) >= limit) window++;
    counts.set(window, (counts.get(window) ?? 0) + 1);
    current = window;
    return Math.max(0, window * windowMs - arrival);
  });
  return summarizeLatencies(waits);
}

interface BucketResult {
  label: string;
  route: string;
  bucket: string;
  limit: number;
  windowMs: number;
  rate: string;
  sent: number;
  statuses: Record<string, number>;
  expectedStatus: number;
  /** answers neither Zoom's expected one nor the gateway's own 429, and transport errors */
  unexpected: number;
  errors: number;
  zoom429: number;
  localRefusals: number;
  /** calls Zoom (the simulator) counted in this bucket, and in its busiest window */
  zoomAdmitted: number;
  zoomBusiestWindow: number;
  /** Zoom's windows that sent 429s: seconds (minutes) from the run's start, calls admitted and refused */
  zoom429Windows: { atS: number; admitted: number; limited: number }[];
  governor: { heldBack: number; over1s: number };
  latency: LatencySummary;
  /** the least an ideal pacer would have made these arrivals wait (see slidingFloor, clockFloor) */
  floor: { sliding: LatencySummary; zoomClock: LatencySummary };
}

/** A fleet of one gateway as shipped, on Business, its read cache off, with one admin key. */
async function startGatewayFor(
  name: string,
  simulator: SimulatorProcess,
): Promise<{ fleet: Fleet; headers: Record<string, string> }> {
  const adminKey = benchApiKey();
  const fleet = await startFleet(
    name,
    1,
    simulator.url,
    {
      ZOOM_RATE_LIMIT_PLAN: PLAN,
      CACHE_TTL_SECONDS: '0',
      ADMIN_API_KEYS: `limits-admin:${adminKey}`,
    },
    'shipped',
  );
  const headers = { Authorization: `Bearer ${adminKey}` };
  // Warm: the gateway holds its token (one Light call).
  const warm = await fetch(`${fleet.gateways[0].url}/v2/users/me`, { headers });
  await warm.arrayBuffer();
  if (!warm.ok) {
    await fleet.stop();
    throw new Error(`warm-up call through the gateway answered ${warm.status}`);
  }
  return { fleet, headers };
}

function startLimitedSimulator(name: string): Promise<SimulatorProcess> {
  return startSimulator(name, { ZOOM_SIMULATOR_RATE_LIMITS: 'on', ZOOM_SIMULATOR_PLAN: PLAN });
}

function plan(durationS: number): Planned[] {
  const routes = ZoomRouteTable.default();
  return TARGETS.map((target, i) => {
    const match = routes.lookup(target.method, target.path);
    if (!match.row) throw new Error(`${target.method} ${target.path} is not in the route table`);
    const { limit, windowMs } = planLimit(PLAN, match.product, match.category);
    const calls = Math.round((SHARE * limit * durationS * 1000) / windowMs);
    return {
      ...target,
      bucket: bucketOf(match.product, match.category),
      limit,
      windowMs,
      calls,
      schedule: fixedCountSchedule(calls, durationS, SEED + i),
    };
  });
}

const per = (windowMs: number) => (windowMs === 1_000 ? 's' : 'min');
const windowText = (windowMs: number) => (windowMs === 1_000 ? '1 s' : '60 s');

async function steady(durationS: number): Promise<{
  results: BucketResult[];
  lateStartP99Ms: number;
  lateStartMaxMs: number;
  qps429: number;
  zoomPlan: string;
}> {
  const planned = plan(durationS);
  const simulator = await startLimitedSimulator('simulator-limits');
  let fleet: Fleet | undefined;
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 1024 });
  try {
    const started = await startGatewayFor('limits', simulator);
    fleet = started.fleet;
    const url = fleet.gateways[0].url;
    // Zoom's windows left to empty, then its counters cleared: what follows is this run's.
    await sleep(1_100);
    await simulator.reset();
    progress(
      `limits: ${durationS} s at ${SHARE * 100}% of every bucket: ${planned
        .map((p) => `${p.label} ${p.calls} calls (${round(p.calls / durationS, 2)}/s)`)
        .join(', ')}`,
    );
    const driven = await drive(agent, url, started.headers, planned);
    const report = await rateLimits(simulator);
    if (!report.enabled || report.plan !== PLAN) {
      throw new Error(`the simulator is not enforcing ${PLAN}: ${report.plan}, ${report.enabled}`);
    }
    const stats = await simulatorStats(simulator);
    const results: BucketResult[] = [];
    for (const [i, p] of planned.entries()) {
      const tally = driven.tallies[i];
      const zoom: BucketReport = report.buckets[p.bucket] ?? {
        windowMs: p.windowMs,
        limit: p.limit,
        admitted: 0,
        limited: 0,
        maxPerWindow: 0,
        windows: [],
      };
      if (zoom.limit !== p.limit || zoom.windowMs !== p.windowMs) {
        throw new Error(
          `${p.bucket}: the gateway paces to ${p.limit}/${p.windowMs} ms, the simulator counts ${zoom.limit}/${zoom.windowMs} ms`,
        );
      }
      const expected = tally.statuses[p.expectedStatus] ?? 0;
      const governor = await governorWaits(url, p.bucket);
      results.push({
        label: p.label,
        route: `${p.method} /v2${p.path}`,
        bucket: p.bucket,
        limit: p.limit,
        windowMs: p.windowMs,
        rate: `${round(p.calls / (durationS * (1000 / p.windowMs)), 2)}/${per(p.windowMs)}`,
        sent: tally.sent,
        statuses: tally.statuses,
        expectedStatus: p.expectedStatus,
        unexpected: tally.sent - expected - tally.localRefusals,
        errors: tally.errors,
        zoom429: zoom.limited,
        localRefusals: tally.localRefusals,
        zoomAdmitted: zoom.admitted,
        zoomBusiestWindow: zoom.maxPerWindow,
        zoom429Windows: zoom.windows
          .filter((w) => w.limited > 0)
          .map((w) => ({
            atS: round((w.start - driven.startEpochMs) / 1000, 3),
            admitted: w.admitted,
            limited: w.limited,
          })),
        governor: { heldBack: governor.heldBack, over1s: governor.over1s },
        latency: summarizeLatencies(tally.latencies.values()),
        floor: {
          sliding: slidingFloor(p.schedule, p.limit, slidingWindowOf(p.windowMs)),
          zoomClock: clockFloor(p.schedule, p.limit, p.windowMs, driven.startEpochMs),
        },
      });
    }
    for (const r of results) {
      progress(
        `limits: ${r.label} (${r.bucket}) sent ${r.sent} ${JSON.stringify(r.statuses)}; Zoom 429s ${r.zoom429}, ` +
          `local ${r.localRefusals}; Zoom's busiest window ${r.zoomBusiestWindow}/${r.limit}; ` +
          `wait p50 ${fmt.ms(r.latency.p50)}, p99 ${fmt.ms(r.latency.p99)}, max ${fmt.ms(r.latency.max)} ` +
          `(an ideal pacer's max: ${fmt.ms(r.floor.sliding.max)} sliding, ${fmt.ms(r.floor.zoomClock.max)} on Zoom's clock)` +
          (r.zoom429Windows.length ? `; Zoom's 429s in ${JSON.stringify(r.zoom429Windows)}` : ''),
      );
    }
    return {
      results,
      lateStartP99Ms: driven.lateStartP99Ms,
      lateStartMaxMs: driven.lateStartMaxMs,
      qps429: stats.rateLimitedBy.qps ?? 0,
      zoomPlan: report.plan,
    };
  } finally {
    await agent.close();
    await fleet?.stop();
    await simulator.stop();
  }
}

interface BurstResult {
  calls: number;
  statuses: Record<string, number>;
  zoomAdmitted: number;
  zoomBusiestWindow: number;
  limit: number;
  zoom429: number;
  localRefusals: number;
  withRetryAfter: number;
  retryAfterSeconds: number[];
  errors: number;
  /** until every call was answered, and until the last of the gateway's own 429s */
  allAnsweredMs: number;
  lastRefusalMs: number;
}

async function burst(): Promise<BurstResult> {
  const simulator = await startLimitedSimulator('simulator-limits-burst');
  let fleet: Fleet | undefined;
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  try {
    const started = await startGatewayFor('limits-burst', simulator);
    fleet = started.fleet;
    await simulator.reset();
    const tally = newTally();
    const url = `${fleet.gateways[0].url}/v2/metrics/meetings`;
    const t0 = performance.now();
    let lastRefusal = 0;
    await Promise.all(
      Array.from({ length: BURST }, async () => {
        const refusalsBefore = tally.localRefusals;
        await call(agent, url, started.headers, tally, t0);
        if (tally.localRefusals > refusalsBefore) lastRefusal = performance.now() - t0;
      }),
    );
    const allAnsweredMs = performance.now() - t0;
    const zoom = (await rateLimits(simulator)).buckets.resource_intensive;
    const stats = await simulatorStats(simulator);
    const result: BurstResult = {
      calls: BURST,
      statuses: tally.statuses,
      zoomAdmitted: zoom?.admitted ?? 0,
      zoomBusiestWindow: zoom?.maxPerWindow ?? 0,
      limit: zoom?.limit ?? planLimit(PLAN, 'general', 'resource_intensive').limit,
      zoom429: Math.max(zoom?.limited ?? 0, stats.rateLimitedBy.qps ?? 0),
      localRefusals: tally.localRefusals,
      withRetryAfter: tally.withRetryAfter,
      retryAfterSeconds: [...new Set(tally.retryAfterSeconds)].sort((a, b) => a - b),
      errors: tally.errors,
      allAnsweredMs: Math.round(allAnsweredMs),
      lastRefusalMs: Math.round(lastRefusal),
    };
    progress(
      `limits burst: ${BURST} Resource-intensive calls at once: ${JSON.stringify(result.statuses)} in ${result.allAnsweredMs} ms; ` +
        `Zoom admitted ${result.zoomAdmitted} (busiest minute ${result.zoomBusiestWindow}/${result.limit}), Zoom 429s ${result.zoom429}, ` +
        `local ${result.localRefusals} (Retry-After ${result.retryAfterSeconds.join(', ')} s)`,
    );
    return result;
  } finally {
    await agent.close();
    await fleet?.stop();
    await simulator.stop();
  }
}

/** Every call answered as Zoom would (or refused by the gateway), none lost. */
const clean = (r: BucketResult) => r.errors === 0 && r.unexpected === 0 && r.sent > 0;

/** Zoom's windows that sent 429s: `4.4 s (8 of 88)`. */
function windowsText(r: BucketResult): string {
  return r.zoom429Windows
    .map((w) => `${w.atS} s (${w.limited} of ${w.admitted + w.limited})`)
    .join(', ');
}

function waitText(r: BucketResult): string {
  return `${fmt.int(r.latency.p50)} / ${fmt.int(r.latency.p99)} / **${fmt.int(r.latency.max)}** ms`;
}

export const limits: Scenario = {
  id: 'limits',
  title: "Zoom's limits as Zoom counts them",
  async run(context: ScenarioContext): Promise<ScenarioOutcome> {
    const durationS = context.quick ? QUICK_DURATION_S : DURATION_S;
    const title = `6b. Zoom's limits as Zoom counts them: every bucket at ${SHARE * 100}% of ${PLAN_NAME}'s limits`;
    const run = await steady(durationS);
    const burstResult = await burst();
    const { results } = run;

    const goals: Goal[] = results.flatMap((r): Goal[] => [
      {
        scenario: 'limits',
        goal: `${r.label} (\`${r.bucket}\`, ${r.route}) at ${r.rate} (90% of ${r.limit}/${per(r.windowMs)}): 0 Zoom 429s`,
        measured: `${r.zoom429} Zoom 429s of ${fmt.int(r.sent)} calls; Zoom's busiest ${per(r.windowMs) === 's' ? 'second' : 'minute'} ${r.zoomBusiestWindow} of ${r.limit}`,
        met: clean(r) && r.zoom429 === 0,
        ...(r.zoom429Windows.length ? { note: `Zoom's 429s in ${windowsText(r)}` } : {}),
      },
      {
        scenario: 'limits',
        // Random arrivals near the limit queue by themselves (an ideal pacer too): the goal is the
        // wait the gateway adds beyond that floor, which must stay under Zoom's window.
        goal: `${r.label} at ${r.rate}: longest wait beyond an ideal pacer's < Zoom's window (${windowText(r.windowMs)}), none refused locally`,
        measured: `max ${fmt.int(r.latency.max)} ms from scheduled start to answer (p99 ${fmt.int(r.latency.p99)} ms), ideal pacer's max ${fmt.int(r.floor.sliding.max)} ms; ${r.localRefusals} local refusals`,
        met: clean(r) && r.localRefusals === 0 && r.latency.max - r.floor.sliding.max < r.windowMs,
        note: `an ideal pacer would make these arrivals wait up to ${fmt.int(r.floor.sliding.max)} ms (sliding ${windowText(r.windowMs)} + 20 ms, as the governor counts) or ${fmt.int(r.floor.zoomClock.max)} ms (Zoom's own clock ${per(r.windowMs) === 's' ? 'seconds' : 'minutes'})`,
      },
    ]);
    const b = burstResult;
    const burstMet =
      b.errors === 0 &&
      b.zoom429 === 0 &&
      b.zoomBusiestWindow <= b.limit &&
      b.localRefusals === b.calls - b.zoomAdmitted &&
      b.withRetryAfter === b.localRefusals &&
      (b.statuses['404'] ?? 0) === b.zoomAdmitted;
    goals.push({
      scenario: 'limits',
      goal: `${BURST} Resource-intensive calls at once: Zoom's busiest minute ≤ ${b.limit}, 0 Zoom 429s, the rest refused locally with Retry-After`,
      measured: `Zoom admitted ${b.zoomAdmitted} (busiest minute ${b.zoomBusiestWindow}), ${b.zoom429} Zoom 429s, ${b.localRefusals} refused locally (${b.withRetryAfter} with Retry-After: ${b.retryAfterSeconds.join(', ')} s) within ${fmt.int(b.lastRefusalMs)} ms`,
      met: burstMet,
    });

    const markdown = [
      `## ${title}`,
      '',
      `One gateway as shipped (\`ZOOM_RATE_LIMIT_PLAN=${PLAN}\`, Redis, PostgreSQL, read cache off) in front of a simulator ` +
        `enforcing ${PLAN_NAME}'s limits as Zoom counts them: per account, per product table and category (from the same ` +
        '`zoom-routes.data.json`), whole clock seconds, whole clock minutes for Resource-intensive. Through one admin API key, ' +
        `open-loop arrivals (random times, a fixed number of calls) at ${SHARE * 100}% of each bucket's limit, all five buckets ` +
        `at once for ${durationS} s. Zoom's 429s and its busiest window are the simulator's own counters for the bucket; ` +
        "local refusals the gateway's 429s (`X-Gateway-Refusal`); the wait is each call's time from its scheduled start to " +
        "the end of its answer (the governor's hold plus a few ms of gateway and simulator), against Zoom's window. The " +
        'simulator counts Heavy, Resource-intensive and Phone calls to paths it does not serve under their category and then ' +
        `answers 404, as listed. The load generator started its calls late by ${fmt.ms(run.lateStartP99Ms)} at p99 ` +
        `(${fmt.ms(run.lateStartMaxMs)} at most), included in the waits. The ideal pacer is the floor for these very ` +
        'arrivals: a first-come pacer that answers in no time and lets the limit start in any sliding window of ' +
        "Zoom's plus 20 ms (as the governor counts), or in each whole window of Zoom's own clock; random arrivals at " +
        '90% of a small limit (Phone Heavy: 10/s) queue past a second on their own.',
      '',
      table(
        [
          'bucket',
          'route',
          "Zoom's limit",
          'sent (rate)',
          'answers',
          "Zoom's 429s",
          'local 429s',
          "Zoom's busiest window",
          'held back by the governor (> 1 s)',
          'wait p50 / p99 / max',
          "ideal pacer: max wait, sliding / on Zoom's clock",
          "Zoom's window",
        ],
        results.map((r) => [
          `${r.label} (\`${r.bucket}\`)`,
          `\`${r.route}\``,
          `${r.limit}/${per(r.windowMs)}`,
          `${fmt.int(r.sent)} (${r.rate})`,
          `\`${JSON.stringify(r.statuses)}\``,
          `**${r.zoom429}**`,
          String(r.localRefusals),
          `${r.zoomBusiestWindow} of ${r.limit}`,
          `${fmt.int(r.governor.heldBack)} (${r.governor.over1s})`,
          waitText(r),
          `${fmt.int(r.floor.sliding.max)} / ${fmt.int(r.floor.zoomClock.max)} ms`,
          windowText(r.windowMs),
        ]),
      ),
      '',
      `Every 429 the simulator's limits sent in the run (\`stats().rateLimitedBy.qps\`): **${run.qps429}**` +
        (run.qps429 > 0
          ? `, in ${results
              .filter((r) => r.zoom429Windows.length)
              .map((r) => `${r.label}: ${windowsText(r)}`)
              .join(
                '; ',
              )}. Each of the governor's windows holds exactly the limit at this pace, and Zoom counts a call ` +
            "when it arrives: a stall of more than the governor's 20 ms margin between a slot and Zoom's count (the load " +
            `generator itself was up to ${fmt.ms(run.lateStartMaxMs)} late) moves calls into Zoom's next window. ` +
            'The gateway retries them after a pause to that window, and at 90% the backlog drains at only 10% of the limit.'
          : '.') +
        ' Resource-intensive calls are never held at this pace: their wait is what the machine adds.',
      '',
      `**Burst.** ${BURST} \`GET /v2/metrics/meetings\` at once on a fresh account (new simulator, new gateway and Redis ` +
        `prefix): ${b.zoomAdmitted} reached Zoom (busiest minute ${b.zoomBusiestWindow} of ${b.limit}), **${b.zoom429}** Zoom 429s, ` +
        `${b.localRefusals} answered 429 by the gateway itself (${b.withRetryAfter} with \`Retry-After\`: ${b.retryAfterSeconds.join(', ')} s), ` +
        `the last of them after ${fmt.int(b.lastRefusalMs)} ms; answers \`${JSON.stringify(b.statuses)}\`, all in ${fmt.int(b.allAnsweredMs)} ms.`,
      '',
      `Goals, per bucket: 0 Zoom 429s, and the longest wait under Zoom's window (1 s, 60 s for Resource-intensive) with no ` +
        `call refused locally; the burst: Zoom's busiest minute ≤ ${b.limit}, 0 Zoom 429s, the rest refused locally with ` +
        `Retry-After. Met: **${goals.filter((g) => g.met).length} of ${goals.length}**.`,
      '',
    ].join('\n');

    const svg = renderChart({
      title: `Zoom's limits at ${SHARE * 100}% of ${PLAN_NAME}'s, every bucket at once`,
      note: `${durationS} s open loop through one gateway; Zoom's counts from the simulator`,
      panels: [
        {
          kind: 'bars',
          title: "Zoom's busiest window vs its limit",
          yLabel: 'calls in one window',
          series: [
            { name: "Zoom's limit", color: COLORS.neutralLight },
            { name: 'busiest window, through the gateway', color: COLORS.gateway },
            { name: "Zoom's 429s", color: COLORS.comparison },
          ],
          groups: [
            ...results.map((r) => ({
              label: r.label,
              values: [r.limit, r.zoomBusiestWindow, r.zoom429],
            })),
            {
              label: `burst of ${BURST} RI`,
              values: [b.limit, b.zoomBusiestWindow, b.zoom429],
            },
          ],
        },
        {
          kind: 'bars',
          title: "longest wait, as a share of Zoom's window",
          yLabel: '% of the window',
          series: [
            { name: 'p99', color: COLORS.gatewayLight },
            { name: 'max', color: COLORS.gateway },
          ],
          groups: results.map((r) => ({
            label: r.label,
            values: [(100 * r.latency.p99) / r.windowMs, (100 * r.latency.max) / r.windowMs],
          })),
          referenceLine: { value: 100, label: "Zoom's window" },
          format: (v) => v.toFixed(v >= 10 ? 0 : 1),
        },
      ],
    });

    return {
      result: {
        plan: PLAN,
        share: SHARE,
        durationS,
        lateStartP99Ms: run.lateStartP99Ms,
        lateStartMaxMs: run.lateStartMaxMs,
        qps429: run.qps429,
        buckets: results,
        burst: burstResult,
      },
      markdown,
      svg,
      goals,
    };
  },
};
