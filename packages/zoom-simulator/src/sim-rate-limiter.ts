// The counting behind Zoom's limits, and what tests read back from it.
//
// Windows are whole clock seconds (minutes for Resource-intensive): floor(ms / window), which is
// how Zoom documents a per-second (QPS) limit. Daily counts reset at 00:00:00 UTC. A call counts
// only once every limit it meets has admitted it, so a refused call spends nothing.
import {
  CATEGORY_LABEL,
  DAY_MS,
  bucketOf,
  windowMsOf,
  type DailyPool,
  type DailyScope,
  type RateLimitCategory,
  type RateLimitKind,
  type RateLimitPlan,
  type ZoomProduct,
  type ZoomRateCategory,
} from './sim-rate-tables.js';

/** One of Zoom's per-scope daily limits that a call meets, and whom it counts. */
export interface ScopedCall {
  scope: DailyScope;
  /** `key` is what is counted (a user id, `<meeting>:<registrant>`); `shown` goes in the message */
  subjects: { key: string; shown: string }[];
  noun: 'Meeting' | 'Webinar';
  /** a batch registration (`batch_registrants`) */
  batch: boolean;
}

export interface RateCall {
  product: ZoomProduct;
  category: ZoomRateCategory;
  scoped?: ScopedCall;
}

export interface AppliedLimits {
  /** calls per window of this call's bucket */
  perWindow: number;
  /** the account's daily caps (every one; those of this call's bucket apply) */
  pools: readonly DailyPool[];
  scoped: Record<DailyScope, number>;
}

export type RateDecision =
  | {
      ok: true;
      category: RateLimitCategory;
      limit: number;
      /** what is left of this window's budget */
      remaining: number;
    }
  | {
      ok: false;
      kind: RateLimitKind;
      category: RateLimitCategory;
      limit: number;
      /** for daily limits: ms epoch of the next 00:00:00 UTC */
      retryAt?: number;
      /** for scoped limits: the call and the subject (as shown) that is over */
      scoped?: { call: ScopedCall; who: string };
    };

export interface WindowCount {
  /** ms epoch of the window's start */
  start: number;
  admitted: number;
  /** 429s (of any kind) answered to calls of this bucket in the window */
  limited: number;
}

export interface BucketReport {
  product: ZoomProduct;
  category: ZoomRateCategory;
  windowMs: 1000 | 60_000;
  /** calls per window on the current plan */
  limit: number;
  admitted: number;
  limited: number;
  /** the most calls admitted in any one clock window */
  maxPerWindow: number;
  /** the latest windows that saw calls, oldest first (at most 300) */
  windows: WindowCount[];
}

export interface DailyPoolReport {
  limit: number;
  /** calls counted today (UTC) */
  used: number;
  /** daily 429s sent today for this cap */
  limited: number;
}

export interface ScopedReport {
  limit: number;
  /** today's count by subject: host user id, or `<meeting|webinar>:<id>:<registrant>` */
  used: Record<string, number>;
  limited: number;
}

export interface RateLimitReport {
  plan: RateLimitPlan;
  enabled: boolean;
  /** by bucket (`light`, `resource_intensive`, `phone.heavy`, ...), those that saw calls */
  buckets: Record<string, BucketReport>;
  /** the account's daily caps on the current plan, by pool (`heavy+resource_intensive`, ...) */
  daily: Record<string, DailyPoolReport>;
  scoped: Record<DailyScope, ScopedReport>;
  /** 429s sent since the last reset, by kind */
  limited: Record<RateLimitKind, number>;
}

const KEPT_WINDOWS = 300;

interface Bucket {
  product: ZoomProduct;
  category: ZoomRateCategory;
  windowMs: 1000 | 60_000;
  admitted: number;
  limited: number;
  maxPerWindow: number;
  /** the last one is the current window's counter */
  windows: WindowCount[];
}

export const emptyLimited = (): Record<RateLimitKind, number> => ({
  qps: 0,
  daily_account: 0,
  daily_host_user: 0,
  daily_registrant: 0,
  daily_registrant_status: 0,
});

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  /** the UTC day the daily counts below belong to */
  private day = Number.NaN;
  private readonly poolUsed = new Map<string, number>();
  private readonly poolLimited = new Map<string, number>();
  private scopedUsed = new Map<DailyScope, Map<string, number>>();
  private readonly scopedLimited = new Map<DailyScope, number>();
  private limitedByKind = emptyLimited();

  /** Admits one call (and counts it everywhere) or says which limit refuses it. */
  take(call: RateCall, limits: AppliedLimits, now: number): RateDecision {
    this.rollDay(now);
    const category = CATEGORY_LABEL[call.category];
    const bucket = this.bucket(call.product, call.category);
    const window = this.window(bucket, now);
    const refuse = (decision: Extract<RateDecision, { ok: false }>): RateDecision => {
      bucket.limited++;
      window.limited++;
      this.limitedByKind[decision.kind]++;
      return decision;
    };
    if (window.admitted >= limits.perWindow) {
      return refuse({ ok: false, kind: 'qps', category, limit: limits.perWindow });
    }
    const retryAt = (this.day + 1) * DAY_MS;
    const pools = limits.pools.filter(
      (p) => p.product === call.product && p.categories.includes(call.category),
    );
    for (const pool of pools) {
      if ((this.poolUsed.get(pool.name) ?? 0) >= pool.limit) {
        this.poolLimited.set(pool.name, (this.poolLimited.get(pool.name) ?? 0) + 1);
        return refuse({ ok: false, kind: 'daily_account', category, limit: pool.limit, retryAt });
      }
    }
    const scoped = call.scoped;
    const used = scoped && this.scopedCounts(scoped.scope);
    if (scoped && used) {
      const limit = limits.scoped[scoped.scope];
      const over = scoped.subjects.find((s) => (used.get(s.key) ?? 0) >= limit);
      if (over) {
        this.scopedLimited.set(scoped.scope, (this.scopedLimited.get(scoped.scope) ?? 0) + 1);
        const kind: RateLimitKind = `daily_${scoped.scope}`;
        return refuse({
          ok: false,
          kind,
          category,
          limit,
          retryAt,
          scoped: { call: scoped, who: over.shown },
        });
      }
      // A batch naming one registrant twice counts it twice, as two registrations would.
      for (const s of scoped.subjects) used.set(s.key, (used.get(s.key) ?? 0) + 1);
    }
    for (const pool of pools) this.poolUsed.set(pool.name, (this.poolUsed.get(pool.name) ?? 0) + 1);
    window.admitted++;
    bucket.admitted++;
    bucket.maxPerWindow = Math.max(bucket.maxPerWindow, window.admitted);
    return {
      ok: true,
      category,
      limit: limits.perWindow,
      remaining: limits.perWindow - window.admitted,
    };
  }

  /** What the counters hold now; `limitOf` gives a bucket's per-window limit on the current plan. */
  report(
    now: number,
    limits: { pools: readonly DailyPool[]; scoped: Record<DailyScope, number> },
    limitOf: (product: ZoomProduct, category: ZoomRateCategory) => number,
  ): Omit<RateLimitReport, 'plan' | 'enabled'> {
    this.rollDay(now);
    const buckets: Record<string, BucketReport> = {};
    for (const [name, b] of this.buckets) {
      buckets[name] = {
        ...b,
        limit: limitOf(b.product, b.category),
        windows: b.windows.map((w) => ({ ...w })),
      };
    }
    const daily: Record<string, DailyPoolReport> = {};
    for (const pool of limits.pools) {
      daily[pool.name] = {
        limit: pool.limit,
        used: this.poolUsed.get(pool.name) ?? 0,
        limited: this.poolLimited.get(pool.name) ?? 0,
      };
    }
    const scopedReport = (scope: DailyScope): ScopedReport => ({
      limit: limits.scoped[scope],
      used: Object.fromEntries(this.scopedUsed.get(scope) ?? []),
      limited: this.scopedLimited.get(scope) ?? 0,
    });
    return {
      buckets,
      daily,
      scoped: {
        host_user: scopedReport('host_user'),
        registrant: scopedReport('registrant'),
        registrant_status: scopedReport('registrant_status'),
      },
      limited: { ...this.limitedByKind },
    };
  }

  /** 429s sent since the last reset, by kind. */
  limited(): Record<RateLimitKind, number> {
    return { ...this.limitedByKind };
  }

  reset(): void {
    this.buckets.clear();
    this.day = Number.NaN;
    this.clearDaily();
    this.limitedByKind = emptyLimited();
  }

  private rollDay(now: number): void {
    const day = Math.floor(now / DAY_MS);
    if (day === this.day) return;
    this.day = day;
    this.clearDaily();
  }

  private clearDaily(): void {
    this.poolUsed.clear();
    this.poolLimited.clear();
    this.scopedUsed = new Map();
    this.scopedLimited.clear();
  }

  private scopedCounts(scope: DailyScope): Map<string, number> {
    let counts = this.scopedUsed.get(scope);
    if (!counts) {
      counts = new Map();
      this.scopedUsed.set(scope, counts);
    }
    return counts;
  }

  private bucket(product: ZoomProduct, category: ZoomRateCategory): Bucket {
    const name = bucketOf(product, category);
    let bucket = this.buckets.get(name);
    if (!bucket) {
      bucket = {
        product,
        category,
        windowMs: windowMsOf(category),
        admitted: 0,
        limited: 0,
        maxPerWindow: 0,
        windows: [],
      };
      this.buckets.set(name, bucket);
    }
    return bucket;
  }

  /** The counter of the clock window `now` falls in (a new one when the window moved on). */
  private window(bucket: Bucket, now: number): WindowCount {
    const start = Math.floor(now / bucket.windowMs) * bucket.windowMs;
    const last = bucket.windows.at(-1);
    if (last?.start === start) return last;
    const fresh: WindowCount = { start, admitted: 0, limited: 0 };
    bucket.windows.push(fresh);
    if (bucket.windows.length > KEPT_WINDOWS) bucket.windows.shift();
    return fresh;
  }
}
