import { createHash } from 'node:crypto';
import type { RedisClient } from '../../coordination/redis.provider.js';
import type { ZoomRateCategory } from './zoom-api.types.js';

/**
 * The span in which at most `limit` calls of a category may start. Zoom counts whole clock
 * seconds; a sliding second keeps every one of Zoom's windows within the limit whatever the
 * offset between our clocks, and the extra 20 ms absorb network jitter at the boundary.
 */
export const WINDOW_MS = 1_020;

export interface Reservation {
  granted: boolean;
  /** How long the call must wait for its slot (when granted), or would have had to. */
  waitMs: number;
}

/**
 * Reserve the earliest start time at which fewer than `limit` calls started in the window
 * before it, not earlier than a pause Zoom asked for: at once while the window has room, else
 * the moment the oldest call in it leaves the window. One round trip; loaded once, then called
 * by its SHA.
 */
const RESERVE = `
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local maxWait = tonumber(ARGV[3])
local window = tonumber(ARGV[4])
redis.call('zremrangebyscore', KEYS[1], '-inf', now - window)
local at = now
local count = redis.call('zcard', KEYS[1])
if count >= limit then
  local oldest = redis.call('zrange', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  at = math.max(now, tonumber(oldest[2]) + window)
end
local pause = tonumber(redis.call('get', KEYS[2]) or '0')
if pause > at then at = pause end
if at - now > maxWait then return {0, at - now} end
redis.call('zadd', KEYS[1], at, ARGV[5])
redis.call('pexpire', KEYS[1], math.ceil(at - now + window + 1000))
return {1, at - now}`;
const RESERVE_SHA = createHash('sha1').update(RESERVE).digest('hex');

/** The same reservation book in process memory: a single instance, or while Redis is away. */
export class LocalSlots {
  private readonly starts = new Map<ZoomRateCategory, number[]>();
  private readonly pauses = new Map<ZoomRateCategory, number>();

  reserve(category: ZoomRateCategory, now: number, limit: number, maxWait: number): Reservation {
    const starts = (this.starts.get(category) ?? []).filter((t) => t > now - WINDOW_MS);
    let at = now;
    if (starts.length >= limit)
      at = Math.max(now, (starts[starts.length - limit] ?? now) + WINDOW_MS);
    at = Math.max(at, this.pauses.get(category) ?? 0);
    this.starts.set(category, starts);
    if (at - now > maxWait) return { granted: false, waitMs: at - now };
    starts.push(at);
    // Kept sorted: the window's oldest calls are read by position.
    if (starts.length > 1 && at < (starts.at(-2) ?? at)) starts.sort((x, y) => x - y);
    return { granted: true, waitMs: at - now };
  }

  pause(category: ZoomRateCategory, until: number): void {
    if ((this.pauses.get(category) ?? 0) < until) this.pauses.set(category, until);
  }
}

/** The fleet's reservation book in Redis: one sorted set of start times per category. */
export class RedisSlots {
  private seq = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly key: (name: string) => string,
    private readonly replicaId: string,
  ) {}

  async reserve(
    category: ZoomRateCategory,
    now: number,
    limit: number,
    maxWait: number,
  ): Promise<Reservation> {
    const keys = [this.key(`window:${category}`), this.key(`pause:${category}`)];
    const args = [now, limit, maxWait, WINDOW_MS, `${this.replicaId}:${++this.seq}`].map(String);
    let reply: unknown;
    try {
      reply = await this.redis.evalsha(RESERVE_SHA, 2, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      // First use on this Redis (or after a restart): EVAL also caches the script by its SHA.
      reply = await this.redis.eval(RESERVE, 2, ...keys, ...args);
    }
    if (!Array.isArray(reply)) throw new Error('unexpected reply from the rate-limit script');
    return { granted: reply[0] === 1, waitMs: Number(reply[1]) };
  }

  async pause(category: ZoomRateCategory, until: number, now: number): Promise<void> {
    const ttl = Math.max(1, until - now + 1_000);
    // GREATEST semantics without a script: a pause only moves forward, and a stale one expires.
    const current = Number((await this.redis.get(this.key(`pause:${category}`))) ?? 0);
    if (current < until)
      await this.redis.set(this.key(`pause:${category}`), String(until), 'PX', ttl);
  }
}
