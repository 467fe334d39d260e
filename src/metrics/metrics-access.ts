import { timingSafeEqual } from 'node:crypto';

/**
 * Whether a scrape may read the metrics: anyone when no METRICS_TOKEN is set (Prometheus inside
 * a cluster), else only `Authorization: Bearer <METRICS_TOKEN>`, compared in constant time.
 */
export function scrapeAllowed(token: string | undefined, authorization: unknown): boolean {
  if (token === undefined) return true;
  if (typeof authorization !== 'string' || !authorization.startsWith('Bearer ')) return false;
  const given = Buffer.from(authorization.slice('Bearer '.length).trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
