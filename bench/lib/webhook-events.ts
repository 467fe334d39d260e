// Zoom's side and the subscribers' side of the `events` scenario: signed `meeting.updated` events
// sent to the gateway's POST /webhooks/zoom (open loop on a Poisson schedule, or closed loop),
// and subscribers that are plain node:http servers on 127.0.0.1 answering 204 at once, each
// checking the gateway's signature and timing every receipt against the event's send time.
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Client } from 'pg';
import { Agent, request } from 'undici';
import { z } from 'zod';
import { POSTGRES_ADMIN_URL } from '../../test/support/services.js';
import { poissonSchedule } from './open-loop.js';
import { cpuSeconds } from './processes.js';
import { sleep } from './progress.js';
import { round, Samples, summarizeLatencies } from './stats.js';

/** `v0=` + hex HMAC-SHA256(secret, `v0:{timestamp}:{body}`), from Zoom's docs (not the gateway's code). */
export function zoomSignature(secret: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** Meeting ids as Zoom's (11 digits), a new one for every event of the scenario. */
let nextMeetingId = 91_000_000_000;

/** A `meeting.updated` as Zoom sends it (a topic changed), about a meeting the gateway does not hold. */
function eventBody(meetingId: number, eventTs: number): string {
  return JSON.stringify({
    event: 'meeting.updated',
    event_ts: eventTs,
    payload: {
      account_id: 'bench-account',
      operator: 'bench@example.com',
      operator_id: 'bench-operator',
      object: { id: meetingId, topic: `bench events ${meetingId}` },
      old_object: { id: meetingId, topic: 'bench events' },
      time_stamp: eventTs,
    },
  });
}

/** What a subscriber reads of a delivery: the meeting it is about. */
const DeliveredBody = z.object({ payload: z.object({ object: z.object({ id: z.number() }) }) });

/** What the subscribers received for one run's events. */
export class Tally {
  /** deliveries answered 204, first receipt of each delivery id */
  delivered = 0;
  duplicates = 0;
  badSignatures = 0;
  /** ms from the event's send to the whole delivery read at a subscriber */
  readonly receipt = new Samples();
  /** performance.now() of the first send and of the last receipt */
  firstSentAt = Number.NaN;
  lastReceiptAt = Number.NaN;
  readonly ids = new Set<string>();
}

/** Ten (or any number of) subscribers; receipts of events sent through `send*` go to the run's tally. */
export class Subscribers {
  private readonly sent = new Map<number, { tally: Tally; sentAt: number }>();
  /** receipts of events no run is waiting for (a late retry, a paused subscription delivering) */
  strays = 0;

  private constructor(
    private readonly servers: Server[],
    readonly urls: string[],
    readonly secrets: string[],
  ) {}

  static async start(count: number): Promise<Subscribers> {
    const servers: Server[] = [];
    const urls: string[] = [];
    const secrets: string[] = Array.from({ length: count }, () => '');
    let self: Subscribers | undefined;
    for (let i = 0; i < count; i++) {
      const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          const at = performance.now();
          res.writeHead(204).end();
          self?.receive(i, at, Buffer.concat(chunks).toString('utf8'), req.headers);
        });
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      const address = server.address();
      if (typeof address !== 'object' || address === null) throw new Error('not listening');
      servers.push(server);
      urls.push(`http://127.0.0.1:${address.port}/zoom-events`);
    }
    self = new Subscribers(servers, urls, secrets);
    return self;
  }

  /** The event is this run's: its receipts are timed from `sentAt` (performance.now()). */
  track(meetingId: number, tally: Tally, sentAt: number): void {
    this.sent.set(meetingId, { tally, sentAt });
    if (Number.isNaN(tally.firstSentAt)) tally.firstSentAt = sentAt;
  }

  /** Forgets the events sent so far (after a run's deliveries are in). */
  forget(): void {
    this.sent.clear();
  }

  private receive(
    index: number,
    at: number,
    body: string,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
    const id = DeliveredBody.safeParse(parsed).data?.payload.object.id;
    const entry = typeof id === 'number' ? this.sent.get(id) : undefined;
    if (!entry) {
      this.strays++;
      return;
    }
    const { tally, sentAt } = entry;
    const timestamp = headers['x-zm-request-timestamp'];
    const signature = headers['x-zm-signature'];
    if (
      typeof timestamp !== 'string' ||
      signature !== zoomSignature(this.secrets[index], timestamp, body)
    )
      tally.badSignatures++;
    const deliveryId = String(headers['x-zoom-gateway-delivery']);
    if (tally.ids.has(deliveryId)) {
      tally.duplicates++;
      return;
    }
    tally.ids.add(deliveryId);
    tally.delivered++;
    tally.receipt.push(at - sentAt);
    if (!(at <= tally.lastReceiptAt)) tally.lastReceiptAt = at;
  }

  /**
   * Until `expected` deliveries are in; false when none came for `stallMs` (the gateway stopped
   * delivering) or after `capMs` in all. A backlog drains at the gateway's pace, however long.
   */
  async waitFor(tally: Tally, expected: number, stallMs: number, capMs: number): Promise<boolean> {
    const cap = performance.now() + capMs;
    let seen = tally.delivered;
    let progressAt = performance.now();
    while (tally.delivered < expected) {
      const now = performance.now();
      if (tally.delivered !== seen) {
        seen = tally.delivered;
        progressAt = now;
      }
      if (now - progressAt > stallMs || now > cap) return false;
      await sleep(50);
    }
    return true;
  }

  async close(): Promise<void> {
    for (const server of this.servers) {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    }
  }
}

/** Zoom's side of a run: the gateway's answers to the webhook POSTs. */
export interface IntakeResult {
  sent: number;
  /** 2xx answers (`accepted`) */
  ok: number;
  statusCodes: Record<string, number>;
  errors: number;
  /** ms from each 2xx call's scheduled start (open loop) or start (closed loop) to its answer's end */
  answers: Samples;
  /** the send phase, first call to last answer */
  seconds: number;
  /** open loop: ms the generator started calls after their scheduled time, p99 */
  lateStartP99Ms: number;
}

export interface IntakeTarget {
  url: string;
  secret: string;
  subscribers: Subscribers;
  tally: Tally;
}

const agent = new Agent({ keepAliveTimeout: 30_000, connections: 128 });

/** One signed event, sent now; `started` is what its answer latency is counted from. */
async function sendOne(target: IntakeTarget, started: number, into: IntakeResult): Promise<void> {
  const meetingId = nextMeetingId++;
  const now = Date.now();
  const body = eventBody(meetingId, now);
  const timestamp = String(Math.floor(now / 1000));
  target.subscribers.track(meetingId, target.tally, performance.now());
  into.sent++;
  try {
    const response = await request(target.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Zoom Marketplace/1.0a',
        'x-zm-request-timestamp': timestamp,
        'x-zm-signature': zoomSignature(target.secret, timestamp, body),
      },
      body,
      dispatcher: agent,
      headersTimeout: 30_000,
    });
    await response.body.dump();
    const code = String(response.statusCode);
    into.statusCodes[code] = (into.statusCodes[code] ?? 0) + 1;
    if (response.statusCode >= 200 && response.statusCode < 300) {
      into.ok++;
      into.answers.push(performance.now() - started);
    }
  } catch {
    into.errors++;
  }
}

const emptyResult = (): IntakeResult => ({
  sent: 0,
  ok: 0,
  statusCodes: {},
  errors: 0,
  answers: new Samples(),
  seconds: 0,
  lateStartP99Ms: 0,
});

/** Events at `rate` per second on a seeded Poisson schedule, whatever the answers do. */
export async function sendOpenLoop(
  target: IntakeTarget,
  rate: number,
  durationS: number,
  seed: number,
): Promise<IntakeResult> {
  const result = emptyResult();
  const late = new Samples();
  const inFlight: Promise<void>[] = [];
  const start = performance.now() + 20;
  for (const offset of poissonSchedule(rate, durationS, seed)) {
    const scheduled = start + offset;
    const wait = scheduled - performance.now();
    if (wait > 1) await sleep(wait - 1);
    while (performance.now() < scheduled) {
      // the last millisecond spins, as in open-loop.ts
    }
    late.push(performance.now() - scheduled);
    inFlight.push(sendOne(target, scheduled, result));
  }
  await Promise.all(inFlight);
  result.seconds = (performance.now() - start) / 1000;
  const sorted = Float64Array.from(late.values()).sort();
  result.lateStartP99Ms = sorted[Math.floor(sorted.length * 0.99)] ?? 0;
  return result;
}

/** `concurrency` callers, each sending its next event as soon as the last one is answered. */
export async function sendClosedLoop(
  target: IntakeTarget,
  concurrency: number,
  durationS: number,
): Promise<IntakeResult> {
  const result = emptyResult();
  const start = performance.now();
  const end = start + durationS * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) await sendOne(target, performance.now(), result);
    }),
  );
  result.seconds = (performance.now() - start) / 1000;
  return result;
}

/**
 * CPU seconds of the PostgreSQL backends serving one database (the gateway's pool), by pid,
 * from /proc: what the database spends for the gateway, less its WAL writer and checkpointer.
 */
export async function postgresBackendCpu(databaseUrl: string): Promise<Map<number, number>> {
  const database = new URL(databaseUrl).pathname.slice(1);
  const client = new Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = $1',
      [database],
    );
    return new Map(rows.map((r) => [r.pid, cpuSeconds(r.pid)]));
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** CPU seconds the backends spent between two snapshots (a backend new since the first: all of its own). */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) {
    const earlier = before.get(pid) ?? 0;
    if (Number.isFinite(seconds) && Number.isFinite(earlier)) total += seconds - earlier;
  }
  return total;
}

/** One arm's runs at one load, summed over its rounds. */
export class ArmRuns {
  sent = 0;
  ok = 0;
  seconds = 0;
  readonly answers = new Samples();
  readonly receipts = new Samples();
  readonly non2xx: Record<string, number> = {};
  delivered = 0;
  expected = 0;
  duplicates = 0;
  badSignatures = 0;
  /** seconds from the first send to the last receipt, and from the send phase's end to it */
  deliverySeconds = 0;
  drainSeconds = 0;
  cpu = { gateway: 0, postgres: 0, bench: 0 };
  late = 0;

  add(intake: IntakeResult, tally: Tally, expected: number, sendEnd: number): void {
    this.sent += intake.sent;
    this.ok += intake.ok;
    this.seconds += intake.seconds;
    this.answers.append(intake.answers);
    for (const [code, n] of Object.entries(intake.statusCodes))
      if (!code.startsWith('2')) this.non2xx[code] = (this.non2xx[code] ?? 0) + n;
    if (intake.errors) this.non2xx.error = (this.non2xx.error ?? 0) + intake.errors;
    this.late = Math.max(this.late, intake.lateStartP99Ms);
    this.receipts.append(tally.receipt);
    this.delivered += tally.delivered;
    this.expected += expected;
    this.duplicates += tally.duplicates;
    this.badSignatures += tally.badSignatures;
    if (tally.delivered > 0) {
      this.deliverySeconds += (tally.lastReceiptAt - tally.firstSentAt) / 1000;
      this.drainSeconds = Math.max(this.drainSeconds, (tally.lastReceiptAt - sendEnd) / 1000);
    }
  }

  summary() {
    const perEvent = (seconds: number) => round((seconds * 1000) / this.ok, 3);
    return {
      sent: this.sent,
      accepted: this.ok,
      eventsPerS: round(this.ok / this.seconds, 1),
      non2xx: this.non2xx,
      answer: summarizeLatencies(this.answers.values()),
      deliveries: this.delivered,
      undelivered: this.expected - this.delivered,
      deliveriesPerS: this.delivered ? round(this.delivered / this.deliverySeconds, 1) : 0,
      receipt: summarizeLatencies(this.receipts.values()),
      drainAfterLastSendS: round(Math.max(0, this.drainSeconds), 2),
      duplicates: this.duplicates,
      badSignatures: this.badSignatures,
      cpuMsPerEvent: {
        gateway: perEvent(this.cpu.gateway),
        postgres: perEvent(this.cpu.postgres),
        bench: perEvent(this.cpu.bench),
      },
      generatorLateStartP99Ms: round(this.late, 3),
    };
  }
}

export type ArmSummary = ReturnType<ArmRuns['summary']>;
