// Open-loop load: calls start on a schedule fixed in advance, whatever the answers do, and each
// call's latency is counted from its scheduled start (so a slow answer or a late timer is never
// hidden by the next call waiting for it, as in a closed loop). Arrivals are Poisson (random,
// exponential gaps) from a seeded generator, so every target gets the very same schedule and
// calls that arrive close together, as real callers' do, are part of the test.
import { Agent, request } from 'undici';
import { Samples } from './stats.js';

export interface OpenLoopOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** mean arrivals per second */
  rate: number;
  durationS: number;
  /** the same seed gives the same schedule */
  seed: number;
}

export interface OpenLoopResult {
  sent: number;
  ok: number;
  statusCodes: Record<string, number>;
  /** 429s the gateway answered itself (`X-Gateway-Refusal`), not Zoom */
  localRefusals: number;
  errors: number;
  /** ms from each 2xx call's scheduled start to the end of its answer */
  latencies: Samples;
  /** ms the generator's timer started calls after their scheduled time, p99 (its own noise) */
  lateStartP99Ms: number;
}

/** mulberry32: a small seeded generator, so schedules are reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Offsets in ms from the start of the run: Poisson arrivals at `rate` per second. */
export function poissonSchedule(rate: number, durationS: number, seed: number): number[] {
  const random = seeded(seed);
  const out: number[] = [];
  for (let t = 0; ;) {
    t += (-Math.log(1 - random()) / rate) * 1000;
    if (t >= durationS * 1000) return out;
    out.push(t);
  }
}

/**
 * Offsets in ms from the start of the run: exactly `count` arrivals at random times within
 * `durationS` (Poisson arrivals given their number), so a run sends a known number of calls.
 */
export function fixedCountSchedule(count: number, durationS: number, seed: number): number[] {
  const random = seeded(seed);
  return Array.from({ length: count }, () => random() * durationS * 1000).sort((a, b) => a - b);
}

const agent = new Agent({ keepAliveTimeout: 30_000, connections: 128 });

export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const schedule = poissonSchedule(options.rate, options.durationS, options.seed);
  const latencies = new Samples();
  const late = new Samples();
  const statusCodes: Record<string, number> = {};
  let errors = 0;
  let ok = 0;
  let localRefusals = 0;
  const inFlight: Promise<void>[] = [];
  const start = performance.now() + 20;
  const fire = async (scheduled: number): Promise<void> => {
    try {
      const response = await request(options.url, {
        method: options.method ?? 'GET',
        headers: options.headers,
        body: options.body,
        dispatcher: agent,
        headersTimeout: 30_000,
      });
      await response.body.dump();
      const ended = performance.now();
      statusCodes[response.statusCode] = (statusCodes[response.statusCode] ?? 0) + 1;
      if (response.statusCode === 429 && response.headers['x-gateway-refusal']) localRefusals++;
      if (response.statusCode >= 200 && response.statusCode < 300) {
        ok++;
        latencies.push(ended - scheduled);
      }
    } catch {
      errors++;
    }
  };
  for (const offset of schedule) {
    const scheduled = start + offset;
    const wait = scheduled - performance.now();
    if (wait > 1) await new Promise<void>((done) => setTimeout(done, wait - 1));
    // The last millisecond spins: setTimeout alone starts calls up to a few ms late.
    while (performance.now() < scheduled) {
      // spin
    }
    late.push(performance.now() - scheduled);
    inFlight.push(fire(scheduled));
  }
  await Promise.all(inFlight);
  const lateSorted = Float64Array.from(late.values()).sort();
  return {
    sent: schedule.length,
    ok,
    statusCodes,
    localRefusals,
    errors,
    latencies,
    lateStartP99Ms: lateSorted[Math.floor(lateSorted.length * 0.99)] ?? 0,
  };
}
