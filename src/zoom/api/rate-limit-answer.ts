import type { ZoomResponse } from './zoom-api.types.js';

/** What kind of limit a Zoom answer reports, if any. */
export type RateLimitKind = 'per_second' | 'daily' | 'concurrent';

function bodyField(data: unknown, field: 'code' | 'message'): unknown {
  if (typeof data !== 'object' || data === null) return undefined;
  return field in data ? (data as Partial<Record<typeof field, unknown>>)[field] : undefined;
}

/** Zoom's error message: the body's `message`, or a body that is only text; `''` otherwise. */
export function zoomMessageOf(data: unknown): string {
  const message = bodyField(data, 'message');
  if (typeof message === 'string') return message;
  return typeof data === 'string' ? data : '';
}

/**
 * Reads a rate-limit refusal from everything Zoom sends, because captured answers lack headers
 * the docs show (https://developers.zoom.us/docs/api/rate-limits/): the status (429) or the body's
 * code (429), then `X-RateLimit-Type` when present (`QPS`, `Daily-limit`, `Concurrent-limit`),
 * else the body's message ("daily", "per second", "concurrent"), else the form of `Retry-After`
 * (Zoom gives a date only for the daily limit). Anything unrecognised is a per-second limit:
 * the cheapest to be wrong about, since it only waits for the next second.
 */
export function classifyRateLimit(
  response: Pick<ZoomResponse, 'status' | 'headers' | 'data'>,
): RateLimitKind | undefined {
  // A success is no refusal, whatever its body holds (and its body need not be parsed to say so).
  if (response.status >= 200 && response.status < 300) return undefined;
  const code = bodyField(response.data, 'code');
  if (response.status !== 429 && code !== 429 && code !== '429') return undefined;
  const type = response.headers['x-ratelimit-type']?.toLowerCase() ?? '';
  if (type.includes('daily')) return 'daily';
  if (type.includes('concurrent')) return 'concurrent';
  if (type.includes('qps') || type.includes('second')) return 'per_second';
  const message = zoomMessageOf(response.data).toLowerCase();
  if (/daily|per day|24[- ]hour|a day\b/.test(message)) return 'daily';
  if (/concurrent|simultaneous/.test(message)) return 'concurrent';
  if (/per[- ]second|qps|too many requests|rate limit/.test(message)) return 'per_second';
  const retryAfter = response.headers['retry-after']?.trim() ?? '';
  if (retryAfter && !/^\d+$/.test(retryAfter) && !Number.isNaN(Date.parse(retryAfter)))
    return 'daily';
  return 'per_second';
}
