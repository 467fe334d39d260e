import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { Clock } from '../../common/clock.js';
import { DomainError, ErrorCode } from '../../common/errors/index.js';
import { AppConfig, type RateLimitPlan } from '../../config/app-config.js';
import { REDIS, type RedisClient, redisReady } from '../../coordination/redis.provider.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { classifyRateLimit } from './rate-limit-answer.js';
import type { ZoomRateCategory, ZoomRequest, ZoomResponse } from './zoom-api.types.js';

/** Zoom's per-second limits per account (developers.zoom.us/docs/api/rate-limits/). */
export const PLAN_LIMITS: Record<RateLimitPlan, Record<ZoomRateCategory, number>> = {
  free: { light: 4, medium: 2, heavy: 1 },
  pro: { light: 30, medium: 20, heavy: 10 },
  business: { light: 80, medium: 60, heavy: 40 },
};

/**
 * Calls are spaced 10% wider than the limit: Zoom counts in fixed clock seconds, and network
 * jitter can move a call across a second's boundary into the next window.
 */
const SPACING_FACTOR = 1.1;
/** The longest a call may wait in line before it is refused locally with 429. */
export const MAX_QUEUE_WAIT_MS = 15_000;
/** Per-second 429s from Zoom (Zoom did nothing) are retried this many times. */
const MAX_QPS_RETRIES = 3;
const LEARNED_TTL_MS = 3_600_000;
const LEARNED_CACHE_MS = 5_000;
const DAY_MS = 86_400_000;

/** Reserve the next slot of a category: the slot is max(now, next free time); refuse when too far. */
const RESERVE = `
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local maxWait = tonumber(ARGV[3])
local tat = tonumber(redis.call('get', KEYS[1]) or '0')
local slot = math.max(now, tat)
local wait = slot - now
if wait > maxWait then return {0, wait} end
redis.call('set', KEYS[1], tostring(slot + interval), 'PX', math.ceil(wait + interval + 60000))
return {1, wait}`;

/** Push a category's next free time forward (after Zoom said "too many this second"). */
const PUSH_BACK = `
local untilMs = tonumber(ARGV[1])
local tat = tonumber(redis.call('get', KEYS[1]) or '0')
if untilMs > tat then redis.call('set', KEYS[1], tostring(untilMs), 'PX', 60000) end
return 1`;

const CATEGORY_NAMES: Record<string, ZoomRateCategory> = {
  light: 'light',
  medium: 'medium',
  heavy: 'heavy',
};

/**
 * Paces calls to Zoom inside the account's per-second limits and its daily per-user limit,
 * for the whole fleet through Redis (in-process without it, or while it is down).
 *
 * - Each category has a "next free slot" time; a call reserves a slot and waits for it, so a
 *   burst is spread evenly instead of failing at Zoom. A wait beyond MAX_QUEUE_WAIT_MS is
 *   refused at once with 429 and Retry-After.
 * - A per-second 429 from Zoom (Zoom did not act) pushes the category to the next second for
 *   everyone and the call is retried, at most MAX_QPS_RETRIES times.
 * - `X-RateLimit-Limit` on a per-second 429 lowers the pace when Zoom's limit is below the plan's.
 * - A `Daily-limit` 429 for a user blocks further creates/updates for that user until Zoom's
 *   Retry-After, answering 429 locally without calling Zoom.
 */
@Injectable()
export class RateLimitGovernor {
  private readonly logger = new Logger(RateLimitGovernor.name);
  private readonly localNextSlot = new Map<ZoomRateCategory, number>();
  private readonly localBlocks = new Map<string, number>();
  private readonly learned = new Map<ZoomRateCategory, { limit: number; checkedAt: number }>();
  private readonly waitSeconds: Histogram<'category'>;
  private readonly refusals: Counter<'category' | 'reason'>;
  private readonly zoomRateLimited: Counter<'category' | 'type'>;
  private readonly retries: Counter<'category'>;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    @Inject(REDIS) private readonly redis: RedisClient | null,
    metrics: MetricsService,
  ) {
    this.waitSeconds = metrics.histogram(
      'zoom_rate_limit_wait_seconds',
      'Time a call to Zoom waited in line for its rate-limit category',
      ['category'],
      [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15],
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
      await this.waitForSlot(request.category, deadline);
      const response = await attempt();
      const kind = classifyRateLimit(response);
      if (kind === undefined) return response;
      this.zoomRateLimited.inc({ category: request.category, type: kind });
      if (kind === 'daily') {
        // Never retried: the quota is spent until Zoom's reset, which the caller is told.
        await this.recordDailyLimit(request, response);
        return response;
      }
      this.learn(request.category, response);
      if (retry >= MAX_QPS_RETRIES || request.retryable === false) return response;
      this.retries.inc({ category: request.category });
      // Zoom counts whole clock seconds: nobody in the fleet calls this category before the next one.
      const now = this.clock.now();
      await this.pushBack(request.category, (Math.floor(now / 1000) + 1) * 1000 + 20);
    }
  }

  /**
   * Refuses locally (429, Retry-After) when Zoom already reported the daily limit for this
   * request's user (creates/updates) or for its whole category (free plan's account limit).
   */
  async assertNotBlocked(request: Pick<ZoomRequest, 'category' | 'dailyLimitUser'>): Promise<void> {
    const keys = [`account:${request.category}`];
    if (request.dailyLimitUser) keys.push(`user:${request.dailyLimitUser.toLowerCase()}`);
    for (const key of keys) {
      const until = await this.blockedUntil(key);
      const now = this.clock.now();
      if (until === undefined || until <= now) continue;
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
          },
        },
      );
    }
  }

  private async waitForSlot(category: ZoomRateCategory, deadline: number): Promise<void> {
    const interval = Math.ceil((1000 / (await this.limit(category))) * SPACING_FACTOR);
    const now = this.clock.now();
    const maxWait = Math.max(0, deadline - now);
    const { granted, wait } = await this.reserve(category, now, interval, maxWait);
    if (!granted) {
      this.refusals.inc({ category, reason: 'queue_full' });
      throw new DomainError(
        ErrorCode.RateLimited,
        `Too many calls waiting for Zoom's ${capitalise(category)} rate limit; retry after the Retry-After seconds.`,
        {
          zoomCode: 429,
          headers: { 'Retry-After': String(Math.max(1, Math.ceil((wait - maxWait) / 1000))) },
        },
      );
    }
    this.waitSeconds.observe({ category }, wait / 1000);
    if (wait > 0) await this.clock.sleep(wait);
  }

  private async reserve(
    category: ZoomRateCategory,
    now: number,
    interval: number,
    maxWait: number,
  ): Promise<{ granted: boolean; wait: number }> {
    if (redisReady(this.redis)) {
      try {
        const reply = await this.redis.eval(
          RESERVE,
          1,
          this.key(`slot:${category}`),
          String(now),
          String(interval),
          String(maxWait),
        );
        if (!Array.isArray(reply)) throw new Error('unexpected reply');
        return { granted: reply[0] === 1, wait: Number(reply[1]) };
      } catch (error) {
        this.logger.warn(
          `Rate-limit slot from Redis failed (${errorMessage(error)}); pacing in-process`,
        );
      }
    }
    const slot = Math.max(now, this.localNextSlot.get(category) ?? 0);
    const wait = slot - now;
    if (wait > maxWait) return { granted: false, wait };
    this.localNextSlot.set(category, slot + interval);
    return { granted: true, wait };
  }

  private async pushBack(category: ZoomRateCategory, untilMs: number): Promise<void> {
    if ((this.localNextSlot.get(category) ?? 0) < untilMs)
      this.localNextSlot.set(category, untilMs);
    if (!redisReady(this.redis)) return;
    await this.redis
      .eval(PUSH_BACK, 1, this.key(`slot:${category}`), String(untilMs))
      .catch(() => undefined);
  }

  /** The per-second limit to pace to: the plan's, or lower when Zoom told us so. */
  private async limit(category: ZoomRateCategory): Promise<number> {
    const planned = PLAN_LIMITS[this.config.rateLimitPlan][category];
    const now = this.clock.now();
    const cached = this.learned.get(category);
    if (cached && now - cached.checkedAt < LEARNED_CACHE_MS) return Math.min(planned, cached.limit);
    let limit = cached?.limit ?? planned;
    if (redisReady(this.redis)) {
      const stored = await this.redis.get(this.key(`learned:${category}`)).catch(() => null);
      if (stored && /^\d+$/.test(stored)) limit = Number(stored);
    }
    this.learned.set(category, { limit, checkedAt: now });
    return Math.min(planned, Math.max(1, limit));
  }

  private learn(category: ZoomRateCategory, response: ZoomResponse): void {
    const headerCategory =
      CATEGORY_NAMES[(response.headers['x-ratelimit-category'] ?? '').toLowerCase()];
    const raw = response.headers['x-ratelimit-limit'];
    if (headerCategory !== category || !raw || !/^\d{1,6}$/.test(raw)) return;
    const limit = Number(raw);
    if (limit < 1 || limit >= PLAN_LIMITS[this.config.rateLimitPlan][category]) return;
    this.logger.warn(
      `Zoom's ${capitalise(category)} limit is ${limit}/s, below the ${this.config.rateLimitPlan} plan's; pacing to it`,
    );
    this.learned.set(category, { limit, checkedAt: this.clock.now() });
    if (redisReady(this.redis)) {
      void this.redis
        .set(this.key(`learned:${category}`), String(limit), 'PX', LEARNED_TTL_MS)
        .catch(() => undefined);
    }
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
    const until = resetTime(response.headers['retry-after'], this.clock.now());
    // Zoom's captured daily-limit answers may lack Retry-After; the caller still gets one.
    response.headers['retry-after'] ??= String(
      Math.max(1, Math.ceil((until - this.clock.now()) / 1000)),
    );
    this.logger.warn(
      `Zoom's daily limit reached for ${key}; refusing locally until ${new Date(until).toISOString()}`,
    );
    this.localBlocks.set(key, until);
    if (redisReady(this.redis)) {
      const ttl = Math.max(1, until - this.clock.now());
      await this.redis
        .set(this.key(`daily:${key}`), String(until), 'PX', ttl)
        .catch(() => undefined);
    }
  }

  private async blockedUntil(key: string): Promise<number | undefined> {
    const local = this.localBlocks.get(key);
    if (local !== undefined && local <= this.clock.now()) this.localBlocks.delete(key);
    if (redisReady(this.redis)) {
      try {
        const stored = await this.redis.get(this.key(`daily:${key}`));
        if (stored && /^\d+$/.test(stored)) return Math.max(Number(stored), local ?? 0);
      } catch {
        // Redis down: what this process learned itself still holds.
      }
    }
    return this.localBlocks.get(key);
  }

  private key(name: string): string {
    return `${this.config.redisKeyPrefix}ratelimit:${name}`;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function capitalise(category: string): string {
  return category.charAt(0).toUpperCase() + category.slice(1);
}

/** Zoom's daily Retry-After is a date (`2020-05-31T00:00:00Z`); seconds are accepted too; else next UTC midnight. */
export function resetTime(retryAfter: string | undefined, now: number): number {
  const nextMidnight = (Math.floor(now / DAY_MS) + 1) * DAY_MS;
  if (!retryAfter) return nextMidnight;
  const value = retryAfter.trim();
  if (/^\d{1,9}$/.test(value)) return now + Number(value) * 1000;
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed) || parsed <= now || parsed > now + 2 * DAY_MS) return nextMidnight;
  return parsed;
}
