import type { RateLimitPlan } from '../../config/app-config.js';
import type { ZoomProduct, ZoomRateCategory } from '@zoom-gateway/zoom-routes';

/**
 * Zoom's limits as its rate-limit page states them
 * (https://developers.zoom.us/docs/api/rate-limits/): per account, per product table (the
 * general APIs, Zoom Phone, Contact Center), per category. Light, Medium and Heavy are counted
 * per second, Resource-intensive per minute.
 */

/** One counter of the governor: a product's category (`light`, `phone.heavy`, ...). */
export type RateBucket = string;

export interface BucketLimit {
  /** Calls that may start within one window. */
  limit: number;
  /** The window Zoom counts in: a second, or a minute for Resource-intensive. */
  windowMs: 1_000 | 60_000;
}

type Table = Record<ZoomRateCategory, number>;

/** Per second for Light/Medium/Heavy, per minute for Resource-intensive. */
const GENERAL: Record<RateLimitPlan, Table> = {
  free: { light: 4, medium: 2, heavy: 1, resource_intensive: 10 },
  pro: { light: 30, medium: 20, heavy: 10, resource_intensive: 10 },
  business: { light: 80, medium: 60, heavy: 40, resource_intensive: 20 },
};

/** Zoom Phone's table; Zoom states none for Free, so Free gets Pro's. Contact Center: the same. */
const PHONE: Record<RateLimitPlan, Table> = {
  free: { light: 20, medium: 10, heavy: 5, resource_intensive: 5 },
  pro: { light: 20, medium: 10, heavy: 5, resource_intensive: 5 },
  business: { light: 40, medium: 20, heavy: 10, resource_intensive: 10 },
};

/** The general APIs' table by plan (mutable only for the bench, which lifts it to measure cost). */
export const PLAN_LIMITS = GENERAL;

const TABLES: Record<ZoomProduct, Record<RateLimitPlan, Table>> = {
  general: GENERAL,
  phone: PHONE,
  contact_center: PHONE,
};

/** `light`, `resource_intensive`, `phone.heavy`, `contact_center.light`. */
export function bucketOf(product: ZoomProduct, category: ZoomRateCategory): RateBucket {
  return product === 'general' ? category : `${product}.${category}`;
}

/** Every bucket there is, for the limits report. */
export const ALL_BUCKETS: readonly { product: ZoomProduct; category: ZoomRateCategory }[] = (
  ['general', 'phone', 'contact_center'] as const
).flatMap((product) =>
  (['light', 'medium', 'heavy', 'resource_intensive'] as const).map((category) => ({
    product,
    category,
  })),
);

export function windowOf(category: ZoomRateCategory): BucketLimit['windowMs'] {
  return category === 'resource_intensive' ? 60_000 : 1_000;
}

export function planLimit(
  plan: RateLimitPlan,
  product: ZoomProduct,
  category: ZoomRateCategory,
): BucketLimit {
  return { limit: TABLES[product][plan][category], windowMs: windowOf(category) };
}

/** An account-wide daily cap: the categories it counts together, and how many calls a UTC day. */
export interface DailyCap {
  /** `account:heavy+resource_intensive`, `account:phone.heavy+resource_intensive`, `account:light` (Free). */
  scope: string;
  cap: number;
}

/**
 * The account's daily cap a call of this product and category spends, if Zoom states one: Free's
 * per-category caps; Heavy and Resource-intensive sharing one elsewhere.
 */
export function dailyCapOf(
  plan: RateLimitPlan,
  product: ZoomProduct,
  category: ZoomRateCategory,
): DailyCap | undefined {
  const shared = category === 'heavy' || category === 'resource_intensive';
  if (product === 'general') {
    if (plan === 'free') {
      const cap = { light: 6_000, medium: 2_000, heavy: 1_000, resource_intensive: 30_000 }[
        category
      ];
      return { scope: `account:${category}`, cap };
    }
    if (!shared) return undefined;
    return {
      scope: 'account:heavy+resource_intensive',
      cap: plan === 'business' ? 60_000 : 30_000,
    };
  }
  if (!shared) return undefined;
  return {
    scope: `account:${product}.heavy+resource_intensive`,
    cap: plan === 'business' ? 30_000 : 15_000,
  };
}

/** Zoom's per-scope daily limits (per UTC day). */
export const HOST_DAILY_LIMIT = 100;
export const REGISTRATION_DAILY_LIMIT = 3;
export const REGISTRANT_STATUS_DAILY_LIMIT = 10;

const DAY_MS = 86_400_000;

/** The next 00:00 UTC after `now`, when every daily limit resets. */
export function nextUtcMidnight(now: number): number {
  return (Math.floor(now / DAY_MS) + 1) * DAY_MS;
}

/** `2026-12-06`: the UTC day a daily count belongs to. */
export function utcDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}
