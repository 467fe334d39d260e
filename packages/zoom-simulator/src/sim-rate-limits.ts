// Zoom's rate limits (developers.zoom.us/docs/api/rate-limits) as the simulator applies them: per
// account, shared by every app on it, per product table and category (from the route table, as
// the gateway reads them), plan, daily caps and Zoom's per-user and per-registrant daily limits.
// The figures are in sim-rate-tables.ts, the counting in sim-rate-limiter.ts.
import type { Reply } from './sim-http.js';
import {
  RateLimiter,
  type RateCall,
  type RateDecision,
  type RateLimitReport,
  type ScopedCall,
} from './sim-rate-limiter.js';
import {
  ZOOM_RATE_LIMITS,
  ZOOM_SCOPED_DAILY_LIMITS,
  checkLimit,
  dailyPoolsOf,
  nextUtcMidnightIso,
  parsePool,
  type DailyPool,
  type DailyScope,
  type RateLimitKind,
  type RateLimitPlan,
} from './sim-rate-tables.js';
import {
  API_ERRORS,
  dailyMeetingLimit,
  dailyRegistrantStatusLimit,
  dailyRegistrationLimit,
} from './zoom-responses.js';

export {
  CATEGORY_LABEL,
  ZOOM_DAILY_LIMITS,
  ZOOM_RATE_LIMITS,
  ZOOM_SCOPED_DAILY_LIMITS,
  bucketOf,
  nextUtcMidnightIso,
  type DailyScope,
  type RateLimitCategory,
  type RateLimitKind,
  type RateLimitPlan,
} from './sim-rate-tables.js';
export {
  RateLimiter,
  type BucketReport,
  type DailyPoolReport,
  type RateDecision,
  type RateLimitReport,
  type ScopedCall,
  type ScopedReport,
  type WindowCount,
} from './sim-rate-limiter.js';

/** Which answers carry `X-RateLimit-*`: Zoom documents them on every answer, but captured answers
 * sometimes lack them, so clients must cope with `none` too. */
export type RateLimitHeaders = 'all' | 'none';

/** Account daily caps by pool (`heavy+resource_intensive`, `phone.heavy+resource_intensive`,
 * `light`, ...): a number replaces (or adds) that cap; `null` goes back to the plan's figure. */
export type DailyLimitOverrides = Record<string, number | null>;
/** Per host user / registrant per UTC day; `null` goes back to Zoom's figure (100 / 3 / 10). */
export type ScopedDailyLimitOverrides = Partial<Record<DailyScope, number | null>>;

const isScope = (name: string): name is DailyScope =>
  name === 'host_user' || name === 'registrant' || name === 'registrant_status';

/** The account's plan and limits as the simulator currently applies them. */
export class RateLimitPolicy {
  enabled = true;
  headers: RateLimitHeaders = 'all';
  readonly limiter = new RateLimiter();
  private currentPlan: RateLimitPlan = 'pro';
  private dailyOverrides: Record<string, number> = {};
  private scopedLimits: Record<DailyScope, number> = { ...ZOOM_SCOPED_DAILY_LIMITS };
  /** the plan's pools with the overrides, worked out once per change */
  private pools: DailyPool[] | undefined;

  constructor(private readonly clock: () => number) {}

  get plan(): RateLimitPlan {
    return this.currentPlan;
  }

  set plan(plan: RateLimitPlan) {
    if (plan !== 'free' && plan !== 'pro' && plan !== 'business') {
      throw new Error(`unknown plan: ${String(plan)}`);
    }
    this.currentPlan = plan;
    this.pools = undefined;
  }

  /** Merges daily-cap overrides (all checked before any applies). */
  setDailyLimits(overrides: DailyLimitOverrides): void {
    const next = { ...this.dailyOverrides };
    for (const [name, value] of Object.entries(overrides)) {
      parsePool(name);
      if (value === null) delete next[name];
      else next[name] = checkLimit(`daily limit ${name}`, value);
    }
    this.dailyOverrides = next;
    this.pools = undefined;
  }

  /** Merges per-user / per-registrant limit overrides (all checked before any applies). */
  setScopedDailyLimits(overrides: ScopedDailyLimitOverrides): void {
    const next = { ...this.scopedLimits };
    for (const [scope, value] of Object.entries(overrides)) {
      if (!isScope(scope)) throw new Error(`unknown daily scope: ${scope}`);
      next[scope] =
        value === null || value === undefined
          ? ZOOM_SCOPED_DAILY_LIMITS[scope]
          : checkLimit(`${scope} daily limit`, value);
    }
    this.scopedLimits = next;
  }

  /** Back to Zoom's figures, with these overrides on top (the constructor's options). */
  configure(daily: DailyLimitOverrides = {}, scoped: ScopedDailyLimitOverrides = {}): void {
    this.dailyOverrides = {};
    this.scopedLimits = { ...ZOOM_SCOPED_DAILY_LIMITS };
    this.pools = undefined;
    this.setDailyLimits(daily);
    this.setScopedDailyLimits(scoped);
  }

  /**
   * Admits one call or says which limit refuses it; undefined when limits are off. `scoped` is
   * asked only when limits are on (it may read the body).
   */
  admit(
    call: Omit<RateCall, 'scoped'>,
    scoped: () => ScopedCall | undefined,
  ): RateDecision | undefined {
    if (!this.enabled) return undefined;
    const perWindow = ZOOM_RATE_LIMITS[call.product][this.currentPlan][call.category];
    return this.limiter.take(
      { ...call, scoped: scoped() },
      { perWindow, pools: this.dailyPools(), scoped: this.scopedLimits },
      this.clock(),
    );
  }

  /** `X-RateLimit-Category/Type/Limit/Remaining` (this window's budget) for an answer that passed. */
  headersFor(decision: RateDecision | undefined): Record<string, string> {
    if (!decision?.ok) return {};
    return {
      'x-ratelimit-category': decision.category,
      'x-ratelimit-type': 'QPS',
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
  replyRateLimited(reply: Reply, decision: Extract<RateDecision, { ok: false }>): void {
    const headers: Record<string, string> = {
      'x-ratelimit-category': decision.category,
      'x-ratelimit-type': decision.kind === 'qps' ? 'QPS' : 'Daily-limit',
      'x-ratelimit-limit': String(decision.limit),
      'x-ratelimit-remaining': '0',
    };
    if (decision.kind === 'qps') return reply(429, API_ERRORS.perSecondRateLimit, headers);
    headers['retry-after'] = nextUtcMidnightIso(this.clock());
    return reply(429, dailyBody(decision), headers);
  }

  /** Counters by bucket, today's daily counts and the 429s sent, for tests. */
  report(): RateLimitReport {
    const counted = this.limiter.report(
      this.clock(),
      { pools: this.dailyPools(), scoped: this.scopedLimits },
      (product, category) => ZOOM_RATE_LIMITS[product][this.currentPlan][category],
    );
    return { plan: this.currentPlan, enabled: this.enabled, ...counted };
  }

  /** 429s the limits sent since the last reset, by kind. */
  limited(): Record<RateLimitKind, number> {
    return this.limiter.limited();
  }

  private dailyPools(): DailyPool[] {
    this.pools ??= dailyPoolsOf(this.currentPlan, this.dailyOverrides);
    return this.pools;
  }
}

function dailyBody(decision: Extract<RateDecision, { ok: false }>): object {
  const scoped = decision.scoped;
  if (!scoped) return API_ERRORS.dailyRateLimit;
  const { call, who } = scoped;
  if (call.scope === 'host_user') return dailyMeetingLimit(decision.limit);
  if (call.scope === 'registrant') {
    return dailyRegistrationLimit(decision.limit, call.noun, call.batch, who);
  }
  return dailyRegistrantStatusLimit(decision.limit, call.noun, who);
}
