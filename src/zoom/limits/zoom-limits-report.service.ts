import { Injectable } from '@nestjs/common';
import { AppConfig, type RateLimitPlan } from '../../config/app-config.js';
import { DailyBlocks } from '../api/daily-blocks.js';
import { DailyLimits } from '../api/daily-limits.js';
import { RateLimits } from '../api/rate-limits.js';
import type { ZoomProduct, ZoomRateCategory } from '../api/zoom-api.types.js';
import { ALL_BUCKETS, bucketOf, type DailyCap, dailyCapOf } from '../api/zoom-limits.js';

/** One bucket the governor paces, at the limit it paces to now (configured, learned or the plan's). */
export interface BucketReport {
  bucket: string;
  product: ZoomProduct;
  category: ZoomRateCategory;
  limit: number;
  per: 'second' | 'minute';
}

/** One account-wide daily cap of the plan, and how much of it the fleet spent today (UTC). */
export interface DailyCapReport {
  scope: string;
  cap: number;
  spent: number;
}

export interface BlockReport {
  scope: string;
  reason: string;
  /** ISO time the block ends on its own (at the latest the next 00:00 UTC). */
  until: string;
}

/** `GET /api/admin/zoom/limits` and `npm run cli -- limits`. */
export interface ZoomLimitsReport {
  plan: RateLimitPlan;
  buckets: BucketReport[];
  daily: DailyCapReport[];
  blocks: BlockReport[];
}

/** The plan's account-wide daily caps, each once (Heavy and Resource-intensive share one). */
export function accountCaps(plan: RateLimitPlan): DailyCap[] {
  const caps = new Map<string, DailyCap>();
  for (const { product, category } of ALL_BUCKETS) {
    const cap = dailyCapOf(plan, product, category);
    if (cap && !caps.has(cap.scope)) caps.set(cap.scope, cap);
  }
  return [...caps.values()];
}

/** What Zoom's limits allow this account, what is spent of the daily caps, and what is blocked. */
@Injectable()
export class ZoomLimitsReportService {
  constructor(
    private readonly config: AppConfig,
    private readonly limits: RateLimits,
    private readonly daily: DailyLimits,
    private readonly blocks: DailyBlocks,
  ) {}

  async report(): Promise<ZoomLimitsReport> {
    const plan = this.config.rateLimitPlan;
    const daily = await Promise.all(
      accountCaps(plan).map(async ({ scope, cap }) => ({
        scope,
        cap,
        spent: await this.daily.spent(scope),
      })),
    );
    return {
      plan,
      buckets: ALL_BUCKETS.map(({ product, category }) => {
        const { limit, windowMs } = this.limits.limit(product, category);
        return {
          bucket: bucketOf(product, category),
          product,
          category,
          limit,
          per: windowMs === 1_000 ? 'second' : 'minute',
        };
      }),
      daily,
      // This replica's view: every replica holds every block (announced, and re-read every 30 s).
      blocks: this.blocks.list().map(({ scope, reason, until }) => ({
        scope,
        reason,
        until: new Date(until).toISOString(),
      })),
    };
  }
}
