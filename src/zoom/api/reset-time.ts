import { nextUtcMidnight } from './zoom-limits.js';

/**
 * When a daily limit resets: Zoom's Retry-After as a date (`2020-05-31T00:00:00Z`) or seconds,
 * never later than the next UTC midnight, when Zoom documents the reset; without one, that
 * midnight. So a wrong or hostile header can block a scope for at most one UTC day.
 */
export function resetTime(retryAfter: string | undefined, now: number): number {
  const nextMidnight = nextUtcMidnight(now);
  if (!retryAfter) return nextMidnight;
  const value = retryAfter.trim();
  const parsed = /^\d{1,9}$/.test(value) ? now + Number(value) * 1000 : Date.parse(value);
  if (Number.isNaN(parsed) || parsed <= now) return nextMidnight;
  return Math.min(parsed, nextMidnight);
}
