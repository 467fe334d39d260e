// Zoom's rate-limit figures (developers.zoom.us/docs/api/rate-limits): per account, per product
// table (the general APIs, Zoom Phone, Contact Center), per category and plan. Which category and
// product a call has comes from the gateway's route table (zoom-routes.data.json), so the
// simulator and the gateway read one list of Zoom's labels.
import type { DailyScope, ZoomProduct, ZoomRateCategory } from '@zoom-gateway/zoom-routes';

export type { DailyScope, ZoomProduct, ZoomRateCategory };

export type RateLimitPlan = 'free' | 'pro' | 'business';
/** `X-RateLimit-Category` as Zoom writes it. */
export type RateLimitCategory = 'Light' | 'Medium' | 'Heavy' | 'Resource-intensive';
/** Why a 429 was sent: a per-second (per-minute) budget, an account daily cap, or a scoped daily limit. */
export type RateLimitKind =
  'qps' | 'daily_account' | 'daily_host_user' | 'daily_registrant' | 'daily_registrant_status';

export const CATEGORY_LABEL: Record<ZoomRateCategory, RateLimitCategory> = {
  light: 'Light',
  medium: 'Medium',
  heavy: 'Heavy',
  resource_intensive: 'Resource-intensive',
};

type Table = Record<ZoomRateCategory, number>;

const PHONE: Record<RateLimitPlan, Table> = {
  // Zoom states no Free figures for Phone or Contact Center: Pro's.
  free: { light: 20, medium: 10, heavy: 5, resource_intensive: 5 },
  pro: { light: 20, medium: 10, heavy: 5, resource_intensive: 5 },
  business: { light: 40, medium: 20, heavy: 10, resource_intensive: 10 },
};

/** Calls per window: a clock second for Light/Medium/Heavy, a clock minute for Resource-intensive. */
export const ZOOM_RATE_LIMITS: Record<ZoomProduct, Record<RateLimitPlan, Table>> = {
  general: {
    free: { light: 4, medium: 2, heavy: 1, resource_intensive: 10 },
    pro: { light: 30, medium: 20, heavy: 10, resource_intensive: 10 },
    business: { light: 80, medium: 60, heavy: 40, resource_intensive: 20 },
  },
  phone: PHONE,
  contact_center: PHONE,
};

/**
 * Account-wide caps per UTC day, by pool: `[<product>.]<category>[+<category>...]` (the gateway's
 * bucket names), counting every call of that product in those categories.
 */
export const ZOOM_DAILY_LIMITS: Record<RateLimitPlan, Record<string, number>> = {
  free: {
    light: 6000,
    medium: 2000,
    heavy: 1000,
    resource_intensive: 30000,
    'phone.heavy+resource_intensive': 15000,
    'contact_center.heavy+resource_intensive': 15000,
  },
  pro: {
    'heavy+resource_intensive': 30000,
    'phone.heavy+resource_intensive': 15000,
    'contact_center.heavy+resource_intensive': 15000,
  },
  business: {
    'heavy+resource_intensive': 60000,
    'phone.heavy+resource_intensive': 30000,
    'contact_center.heavy+resource_intensive': 30000,
  },
};

/** Per host user (meeting/webinar creates and updates), per registrant per meeting or webinar. */
export const ZOOM_SCOPED_DAILY_LIMITS: Record<DailyScope, number> = {
  host_user: 100,
  registrant: 3,
  registrant_status: 10,
};

export const DAY_MS = 86_400_000;

export const windowMsOf = (category: ZoomRateCategory): 1000 | 60_000 =>
  category === 'resource_intensive' ? 60_000 : 1000;

/** `light`, `resource_intensive`, `phone.heavy`, `contact_center.light` (as the gateway names them). */
export const bucketOf = (product: ZoomProduct, category: ZoomRateCategory): string =>
  product === 'general' ? category : `${product}.${category}`;

/** Next 00:00:00 UTC after `now`, formatted as Zoom's docs show `Retry-After` (`2020-05-31T00:00:00Z`). */
export function nextUtcMidnightIso(now: number): string {
  return new Date((Math.floor(now / DAY_MS) + 1) * DAY_MS).toISOString().replace('.000Z', 'Z');
}

export interface DailyPool {
  name: string;
  product: ZoomProduct;
  categories: readonly ZoomRateCategory[];
  limit: number;
}

const CATEGORY_NAMES = new Set<string>(Object.keys(CATEGORY_LABEL));
const isCategory = (name: string): name is ZoomRateCategory => CATEGORY_NAMES.has(name);

/** `phone.heavy+resource_intensive` -> phone, [heavy, resource_intensive]; throws on anything else. */
export function parsePool(name: string): Omit<DailyPool, 'limit'> {
  const dot = name.indexOf('.');
  const prefix = dot === -1 ? 'general' : name.slice(0, dot);
  const product: ZoomProduct | undefined =
    prefix === 'general' || prefix === 'phone' || prefix === 'contact_center' ? prefix : undefined;
  const categories = name.slice(dot + 1).split('+');
  if (!product || (dot !== -1 && prefix === 'general') || !categories.every(isCategory)) {
    throw new Error(`unknown daily limit: ${name} (e.g. heavy+resource_intensive, phone.light)`);
  }
  return { name, product, categories: categories.filter(isCategory) };
}

/** The plan's pools with the overrides on top (an override the plan lacks adds that cap). */
export function dailyPoolsOf(plan: RateLimitPlan, overrides: Record<string, number>): DailyPool[] {
  const figures = { ...ZOOM_DAILY_LIMITS[plan], ...overrides };
  return Object.entries(figures).map(([name, limit]) => ({ ...parsePool(name), limit }));
}

/** A limit given by a test or an operator: an integer >= 0. */
export function checkLimit(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new Error(`${what} must be an integer >= 0`);
  }
  return value;
}
