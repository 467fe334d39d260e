import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { Clock } from '../../common/clock.js';
import { ShutdownSignal } from '../../common/shutdown-signal.js';
import { DomainError, ErrorCode } from '../../common/errors/index.js';
import { errorMessage } from '../../common/errors/error-message.js';
import { AppConfig } from '../../config/app-config.js';
import { REDIS, type RedisClient, redisReady } from '../../coordination/redis.provider.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { withSpan } from '../../tracing/span.js';
import { DailyBlocks } from './daily-blocks.js';
import { classifyRateLimit } from './rate-limit-answer.js';
import {
  LocalSlots,
  RedisSlots,
  type Reservation,
  type SlotRequest,
  WINDOW_MS,
} from './rate-limit-slots.js';
import { RateLimits } from './rate-limits.js';
import { SlotLeases } from './slot-leases.js';
import type { ZoomRateCategory, ZoomRequest, ZoomResponse } from './zoom-api.types.js';

export { PLAN_LIMITS } from './rate-limits.js';

/** The longest a call may wait in line before it is refused locally with 429. */
export const MAX_QUEUE_WAIT_MS = 15_000;
/** Per-second 429s from Zoom (Zoom did nothing) are retried this many times. */
const MAX_QPS_RETRIES = 3;
const DAY_MS = 86_400_000;
/** What a wait in line cut by shutdown was (ShutdownSignal's 503 message). */
const IN_LINE = 'a call waiting in line for Zoom (never sent)';
/** The share of calls the gateway makes for itself, not for an app. */
const GATEWAY_APP = '_gateway';

/**
 * Paces calls to Zoom inside the account's per-second limits and its daily per-user limit, for
 * the whole fleet (in-process without Redis, or while Redis is away).
 *
 * - Counts like Zoom: up to the category's limit of calls start at once within any second;
 *   only calls beyond it wait for the moment the oldest call leaves the window. One Redis round
 *   trip per call at most (a script called by its SHA); at a steady pace a reservation also
 *   leases slots for the replica's next calls (SlotLeases), so most make none. A wait beyond
 *   MAX_QUEUE_WAIT_MS is refused at once with 429 and Retry-After.
 * - A per-second 429 from Zoom (Zoom did not act) pauses the category until Zoom's next clock
 *   second for everyone, and the call is retried, at most MAX_QPS_RETRIES times.
 * - Limits: ZOOM_RATE_LIMITS, else what Zoom reports in its headers, else the plan's.
 * - A daily-limit 429 blocks further creates/updates for that user (or the category, when the
 *   whole account is out) until Zoom's reset, answering 429 locally; the check costs no I/O.
 */
@Injectable()
export class RateLimitGovernor {
  private readonly logger = new Logger(RateLimitGovernor.name);
  private readonly local = new LocalSlots();
  private readonly shared: RedisSlots | null;
  private readonly leases = new SlotLeases();
  /** Per category and app: the tail of this replica's line of calls told to come back later. */
  private readonly lines = new Map<string, Promise<void>>();
  private readonly lineLengths = new Map<string, number>();
  private readonly waitSeconds: Histogram<'category'>;
  private readonly refusals: Counter<'category' | 'reason'>;
  private readonly zoomRateLimited: Counter<'category' | 'type'>;
  private readonly retries: Counter<'category'>;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    @Inject(REDIS) private readonly redis: RedisClient | null,
    metrics: MetricsService,
    private readonly limits: RateLimits,
    private readonly blocks: DailyBlocks,
    // Optional so unit tests may build the governor without one; the app always provides it.
    @Optional() private readonly shutdown: ShutdownSignal = new ShutdownSignal(),
  ) {
    this.shared = redis
      ? new RedisSlots(
          redis,
          (name) => `${config.redisKeyPrefix}ratelimit:${name}`,
          config.replicaId,
        )
      : null;
    this.waitSeconds = metrics.histogram(
      'zoom_rate_limit_wait_seconds',
      'Time a call to Zoom waited in line for its rate-limit category',
      ['category'],
      [0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15],
    );
    this.refusals = metrics.counter(
      'zoom_rate_limit_local_refusals_total',
      'Calls the gateway answered 429 itself instead of calling Zoom',
      ['category', 'reason'],
    );
    this.zoomRateLimited = metrics.counter(
      'zoom_rate_limited_responses_total',
      '429 answers received from Zoom, by category and kind (per_second, daily, concurrent)',
      ['category', 'type'],
    );
    this.retries = metrics.counter(
      'zoom_rate_limit_retries_total',
      'Calls retried after a per-second 429 from Zoom',
      ['category'],
    );
  }

  async run<R extends ZoomResponse>(request: ZoomRequest, attempt: () => Promise<R>): Promise<R> {
    const deadline = this.clock.now() + MAX_QUEUE_WAIT_MS;
    for (let retry = 0; ; retry++) {
      await this.assertNotBlocked(request);
      await withSpan(
        'zoom.rate_limit.wait',
        { 'zoom.rate_limit.category': request.category, 'zoom.app': request.app ?? GATEWAY_APP },
        () => this.waitForSlot(request, deadline),
      );
      const response = await attempt();
      const kind = classifyRateLimit(response);
      this.limits.learn(request.category, response, kind);
      if (kind === undefined) return response;
      this.zoomRateLimited.inc({ category: request.category, type: kind });
      if (kind === 'daily') {
        // Never retried: the quota is spent until Zoom's reset, which the caller is told.
        await this.recordDailyLimit(request, response);
        return response;
      }
      if (retry >= MAX_QPS_RETRIES || request.retryable === false) return response;
      this.retries.inc({ category: request.category });
      // Zoom counts whole clock seconds: nobody in the fleet calls this category before the next one.
      await this.pause(request.category, (Math.floor(this.clock.now() / 1000) + 1) * 1000 + 20);
    }
  }

  /**
   * Refuses locally (429, Retry-After) when Zoom already reported the daily limit for this
   * request's user (creates/updates) or for its whole category. Reads process memory only.
   */
  // oxlint-disable-next-line typescript/require-await -- async so a refusal is a rejection, as callers await it
  async assertNotBlocked(request: Pick<ZoomRequest, 'category' | 'dailyLimitUser'>): Promise<void> {
    const keys = [`account:${request.category}`];
    if (request.dailyLimitUser) keys.push(`user:${request.dailyLimitUser.toLowerCase()}`);
    for (const key of keys) {
      const until = this.blocks.blockedUntil(key);
      if (until === undefined) continue;
      const now = this.clock.now();
      this.refusals.inc({ category: request.category, reason: 'daily_limit' });
      const resume = new Date(until).toISOString().replace('.000Z', 'Z');
      const who = key.startsWith('user:') ? `user ${request.dailyLimitUser}` : 'this account';
      throw new DomainError(
        ErrorCode.DailyLimitReached,
        `Zoom's daily limit of meeting create/update requests for ${who} is reached; the gateway will not call Zoom for it until ${resume}.`,
        {
          zoomCode: 429,
          headers: {
            'Retry-After': String(Math.max(1, Math.ceil((until - now) / 1000))),
            'X-RateLimit-Type': 'Daily-limit',
            'X-RateLimit-Category': capitalise(request.category),
            'X-Gateway-Refusal': 'daily_limit',
          },
        },
      );
    }
  }

  private async waitForSlot(request: ZoomRequest, deadline: number): Promise<void> {
    const { category } = request;
    // Calls the gateway makes for itself (reconciliation, validation) share as one more app.
    const app = request.app ?? GATEWAY_APP;
    const weights = this.config.zoomAppWeights;
    const weight = Object.hasOwn(weights, app) ? (weights[app] ?? 1) : 1;
    const line = `${category}:${app}`;
    // A slot leased by an earlier call of this line: no round trip.
    if (this.shared && this.leases.take(line, this.clock.now())) {
      this.waitSeconds.observe({ category }, 0);
      return;
    }
    const ask = async () => {
      const now = this.clock.now();
      const maxWait = Math.max(0, deadline - now);
      const limit = this.limits.limit(category);
      // Leases save a round trip to Redis: without Redis there is none to save.
      const want = this.shared ? this.leases.wanted(line, now) : 1;
      const slot = await this.reserve({ category, app, weight, now, limit, maxWait, want });
      if (slot.granted) this.leases.keep(line, (slot.slots ?? 1) - 1, now);
      return { slot, maxWait, limit };
    };
    let { slot, maxWait, limit } = await ask();
    const ahead = this.lineLengths.get(line) ?? 0;
    // Each call ahead in this replica's line needs about one slot of the app's share.
    const expected = slot.waitMs + (ahead * WINDOW_MS) / Math.max(1, slot.share);
    // Time spent in this replica's line, behind calls ahead and asking again: part of the wait.
    let inLineMs = 0;
    if (!slot.granted && slot.retry && expected < maxWait) {
      const lineEntered = this.clock.now();
      // Asked to come back: this replica's waiting calls of the app line up, and only the first
      // asks, so a long line costs one round trip per slot, not one per waiting call.
      ({ slot, maxWait, limit } = await this.inLine(line, async () => {
        // The answer from before waiting in line is stale by now: ask afresh first.
        let answer = await ask();
        while (!answer.slot.granted && answer.slot.retry && answer.slot.waitMs < answer.maxWait) {
          await this.shutdown.race(this.clock.sleep(answer.slot.waitMs), IN_LINE);
          answer = await ask();
        }
        return answer;
      }));
      inLineMs = this.clock.now() - lineEntered;
    }
    if (slot.granted) {
      this.waitSeconds.observe({ category }, (inLineMs + slot.waitMs) / 1000);
      // A wait in line ends with 503 + Retry-After at shutdown; calls already sent to Zoom finish.
      if (slot.waitMs > 0) await this.shutdown.race(this.clock.sleep(slot.waitMs), IN_LINE);
      return;
    }
    const overShare = slot.retry === 'share';
    this.refusals.inc({ category, reason: overShare ? 'app_share' : 'queue_full' });
    const late = slot.granted ? 0 : Math.max(expected - maxWait, slot.waitMs - maxWait, 1);
    const retryAfter = String(Math.max(1, Math.ceil(late / 1000)));
    throw new DomainError(
      ErrorCode.RateLimited,
      overShare
        ? `App ${app} is over its share (${slot.share}/s of ${limit}/s) of Zoom's ${capitalise(category)} rate limit while other apps use theirs; retry after the Retry-After seconds.`
        : `Too many calls waiting for Zoom's ${capitalise(category)} rate limit; retry after the Retry-After seconds.`,
      {
        zoomCode: 429,
        headers: {
          'Retry-After': retryAfter,
          'X-Gateway-Refusal': overShare ? 'app_share' : 'queue_full',
        },
      },
    );
  }

  /** Runs `work` after every earlier `work` of the same line has finished. */
  private async inLine<T>(line: string, work: () => Promise<T>): Promise<T> {
    this.lineLengths.set(line, (this.lineLengths.get(line) ?? 0) + 1);
    const before = this.lines.get(line) ?? Promise.resolve();
    const mine = before.then(work, work);
    const tail = mine.then(
      () => undefined,
      () => undefined,
    );
    this.lines.set(line, tail);
    try {
      return await mine;
    } finally {
      if (this.lines.get(line) === tail) this.lines.delete(line);
      const left = (this.lineLengths.get(line) ?? 1) - 1;
      if (left > 0) this.lineLengths.set(line, left);
      else this.lineLengths.delete(line);
    }
  }

  private async reserve(slot: SlotRequest): Promise<Reservation> {
    // While the Redis breaker is open (redisReady false) every call paces in-process at once.
    if (this.shared && redisReady(this.redis)) {
      try {
        return await this.shared.reserve(slot);
      } catch (error) {
        this.logger.warn(
          `Rate-limit slot from Redis failed (${errorMessage(error)}); pacing in-process`,
        );
      }
    }
    return this.local.reserve(slot);
  }

  private async pause(category: ZoomRateCategory, until: number): Promise<void> {
    this.local.pause(category, until);
    this.leases.drop(category);
    if (!this.shared || !redisReady(this.redis)) return;
    await this.shared.pause(category, until, this.clock.now()).catch(() => undefined);
  }

  private async recordDailyLimit(request: ZoomRequest, response: ZoomResponse): Promise<void> {
    const data: unknown = response.data;
    const message =
      typeof data === 'object' &&
      data !== null &&
      'message' in data &&
      typeof data.message === 'string'
        ? data.message
        : '';
    const accountWide = /this account/i.test(message) || !request.dailyLimitUser;
    const key = accountWide
      ? `account:${request.category}`
      : `user:${request.dailyLimitUser!.toLowerCase()}`;
    const now = this.clock.now();
    const until = resetTime(response.headers['retry-after'], now);
    // Zoom's captured daily-limit answers may lack Retry-After; the caller still gets one.
    response.headers['retry-after'] ??= String(Math.max(1, Math.ceil((until - now) / 1000)));
    this.logger.warn(
      `Zoom's daily limit reached for ${key}; refusing locally until ${new Date(until).toISOString()}`,
    );
    await this.blocks.block(key, until);
  }
}

function capitalise(category: string): string {
  return category.charAt(0).toUpperCase() + category.slice(1);
}

/**
 * When a daily limit resets: Zoom's Retry-After as a date (`2020-05-31T00:00:00Z`) or seconds,
 * never later than the next UTC midnight, when Zoom documents the reset; without one, that
 * midnight. So a wrong or hostile header can block a user for at most one UTC day.
 */
export function resetTime(retryAfter: string | undefined, now: number): number {
  const nextMidnight = (Math.floor(now / DAY_MS) + 1) * DAY_MS;
  if (!retryAfter) return nextMidnight;
  const value = retryAfter.trim();
  const parsed = /^\d{1,9}$/.test(value) ? now + Number(value) * 1000 : Date.parse(value);
  if (Number.isNaN(parsed) || parsed <= now) return nextMidnight;
  return Math.min(parsed, nextMidnight);
}
