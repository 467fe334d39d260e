// Zoom's rate limits (developers.zoom.us/docs/api/rate-limits): per account, shared by every app
// on it, by category (the endpoint's "Rate Limit Label") and plan.
//
// Windows: fixed one-second buckets by the clock (floor(ms / 1000)), which is how Zoom
// documents a per-second (QPS) limit; daily limits reset at 00:00:00 UTC.
import type { Reply } from './sim-http.js';
import { accountDailyLimit, API_ERRORS, dailyMeetingLimit } from './zoom-responses.js';

export type RateLimitPlan = 'free' | 'pro' | 'business';
export type RateLimitCategory = 'Light' | 'Medium' | 'Heavy';

export interface PlanLimits {
  perSecond: Record<RateLimitCategory, number>;
  /** Per account, per UTC day (free plan for every category; Heavy on paid plans). */
  perDay: Partial<Record<RateLimitCategory, number>>;
}

export const ZOOM_RATE_LIMITS: Record<RateLimitPlan, PlanLimits> = {
  free: {
    perSecond: { Light: 4, Medium: 2, Heavy: 1 },
    perDay: { Light: 6000, Medium: 2000, Heavy: 1000 },
  },
  pro: { perSecond: { Light: 30, Medium: 20, Heavy: 10 }, perDay: { Heavy: 30000 } },
  business: { perSecond: { Light: 80, Medium: 60, Heavy: 40 }, perDay: { Heavy: 60000 } },
};

const DAY_MS = 86_400_000;

export type RateDecision =
  | {
      ok: true;
      category: RateLimitCategory;
      limit: number;
      /** what is left of the budget (this second's for account limits, this day's for user ones) */
      remaining: number;
    }
  | {
      ok: false;
      type: 'QPS' | 'Daily-limit';
      scope: 'account' | 'user';
      category: RateLimitCategory;
      limit: number;
      /** for daily limits: ms epoch of the next 00:00:00 UTC */
      retryAt?: number;
    };

/** Next 00:00:00 UTC after `now`, formatted as Zoom's docs show `Retry-After` (`2020-05-31T00:00:00Z`). */
export function nextUtcMidnightIso(now: number): string {
  return new Date((Math.floor(now / DAY_MS) + 1) * DAY_MS).toISOString().replace('.000Z', 'Z');
}

interface Counter {
  window: number;
  count: number;
}

export class RateLimiter {
  private readonly perSecond = new Map<RateLimitCategory, Counter>();
  private readonly perDay = new Map<string, Counter>();

  /** Account-wide limits for one request of `category`; counts it only when it passes. */
  takeAccount(category: RateLimitCategory, plan: RateLimitPlan, now: number): RateDecision {
    const limits = ZOOM_RATE_LIMITS[plan];
    const second = Math.floor(now / 1000);
    const qps = this.counter(this.perSecond, category, second);
    if (qps.count >= limits.perSecond[category]) {
      return {
        ok: false,
        type: 'QPS',
        scope: 'account',
        category,
        limit: limits.perSecond[category],
      };
    }
    const dailyLimit = limits.perDay[category];
    const day = Math.floor(now / DAY_MS);
    const daily =
      dailyLimit === undefined ? undefined : this.counter(this.perDay, `account:${category}`, day);
    if (daily && dailyLimit !== undefined && daily.count >= dailyLimit) {
      return {
        ok: false,
        type: 'Daily-limit',
        scope: 'account',
        category,
        limit: dailyLimit,
        retryAt: (day + 1) * DAY_MS,
      };
    }
    qps.count++;
    if (daily) daily.count++;
    const limit = limits.perSecond[category];
    return { ok: true, category, limit, remaining: limit - qps.count };
  }

  /** Zoom's per-host-user daily limit on meeting creates and updates. */
  takeUserDaily(
    userId: string,
    category: RateLimitCategory,
    limit: number,
    now: number,
  ): RateDecision {
    const day = Math.floor(now / DAY_MS);
    const counter = this.counter(this.perDay, `user:${userId}`, day);
    if (counter.count >= limit) {
      return {
        ok: false,
        type: 'Daily-limit',
        scope: 'user',
        category,
        limit,
        retryAt: (day + 1) * DAY_MS,
      };
    }
    counter.count++;
    return { ok: true, category, limit, remaining: limit - counter.count };
  }

  reset(): void {
    this.perSecond.clear();
    this.perDay.clear();
  }

  private counter<K>(map: Map<K, Counter>, key: K, window: number): Counter {
    let counter = map.get(key);
    if (!counter) {
      counter = { window, count: 0 };
      map.set(key, counter);
    } else if (counter.window !== window) {
      counter.window = window;
      counter.count = 0;
    }
    return counter;
  }
}

/** Which answers carry `X-RateLimit-*`: Zoom documents them on every answer, but captured answers
 * sometimes lack them, so clients must cope with `none` too. */
export type RateLimitHeaders = 'all' | 'none';

/** The account's plan and limits as the simulator currently applies them. */
export class RateLimitPolicy {
  plan: RateLimitPlan = 'pro';
  enabled = true;
  headers: RateLimitHeaders = 'all';
  dailyMeetingLimitPerUser = 100;
  readonly limiter = new RateLimiter();

  constructor(private readonly clock: () => number) {}

  /** Account-wide per-second (and daily) budget for one request; undefined when limits are off. */
  takeAccount(category: RateLimitCategory): RateDecision | undefined {
    return this.enabled ? this.limiter.takeAccount(category, this.plan, this.clock()) : undefined;
  }

  /** Zoom's 100 meeting creates+updates per host user per UTC day; undefined when limits are off. */
  takeUserDaily(userId: string, category: RateLimitCategory): RateDecision | undefined {
    return this.enabled
      ? this.limiter.takeUserDaily(userId, category, this.dailyMeetingLimitPerUser, this.clock())
      : undefined;
  }

  /** `X-RateLimit-Category/Limit/Remaining` (per-second budget) for an answer that passed. */
  headersFor(decision: RateDecision | undefined): Record<string, string> {
    if (!decision?.ok) return {};
    return {
      'x-ratelimit-category': decision.category,
      'x-ratelimit-limit': String(decision.limit),
      'x-ratelimit-remaining': String(Math.max(0, decision.remaining)),
    };
  }

  /** Drops `X-RateLimit-*` when headers are off (`Retry-After` stays: it is not one of them). */
  filter(headers: Record<string, string>): Record<string, string> {
    if (this.headers === 'all') return headers;
    return Object.fromEntries(
      Object.entries(headers).filter(([name]) => !name.toLowerCase().startsWith('x-ratelimit-')),
    );
  }

  /** Zoom's 429: QPS, or Daily-limit with `Retry-After` as the next UTC midnight. */
  replyRateLimited(reply: Reply, decision: Exclude<RateDecision, { ok: true }>): void {
    const headers: Record<string, string> = {
      'x-ratelimit-category': decision.category,
      'x-ratelimit-type': decision.type,
      'x-ratelimit-limit': String(decision.limit),
      'x-ratelimit-remaining': '0',
    };
    if (decision.type === 'QPS') return reply(429, API_ERRORS.perSecondRateLimit, headers);
    headers['retry-after'] = nextUtcMidnightIso(this.clock());
    const body =
      decision.scope === 'user'
        ? dailyMeetingLimit(decision.limit)
        : accountDailyLimit(decision.limit, decision.category);
    return reply(429, body, headers);
  }
}
