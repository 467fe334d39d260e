import { createHash } from 'node:crypto';
import type { RedisClient } from '../../coordination/redis.provider.js';

/**
 * The span in which at most `limit` calls of a per-second bucket may start. Zoom counts whole
 * clock seconds (minutes for Resource-intensive); a sliding window keeps every one of Zoom's
 * windows within the limit whatever the offset between our clocks, and the extra 20 ms absorb
 * network jitter at the boundary.
 */
export const WINDOW_MS = 1_020;
/** The sliding window for a bucket Zoom counts per `zoomWindowMs` (a second or a minute). */
export function slidingWindowOf(zoomWindowMs: number): number {
  return zoomWindowMs + 20;
}

export interface SlotRequest {
  /** The product's category: `light`, `phone.heavy`, `resource_intensive`, ... */
  bucket: string;
  /** The sliding window (WINDOW_MS for per-second buckets). */
  windowMs: number;
  app: string;
  weight: number;
  now: number;
  limit: number;
  maxWait: number;
  /**
   * Slots wanted in all, this call's included: more than 1 asks for a lease of slots for this
   * replica's next calls of the app, usable until their `leaseEnds` (see SlotLeases).
   */
  want?: number;
}

export interface Reservation {
  granted: boolean;
  /** How long the call must wait for its slot (granted), or before asking again (refused). */
  waitMs: number;
  /**
   * Refused for now, to ask again after `waitMs`: `share` when the app is over its fair share
   * while other apps still have theirs coming, `horizon` when it would book beyond the next window.
   */
  retry?: 'share' | 'horizon';
  /** The app's share of the category's limit at the time of asking. */
  share: number;
  /** Slots granted in all (granted only): more than 1 is a lease, the rest for the next calls. */
  slots?: number;
}

/** How long a lease lasts: its last slot is usable until then. */
export const LEASE_MS = 200;

/**
 * When each of a lease's `extra` slots stops being usable: slot j of k at `now + j × LEASE_MS / k`,
 * so at the pace the lease was sized for, each is used about when it ends. The book holds each
 * slot as a call starting at that end, which keeps every window within the limit whenever
 * before it the slot is used (README, "Rate limits"); the script computes the same times.
 */
export function leaseEnds(now: number, extra: number): number[] {
  return Array.from({ length: extra }, (_, i) => now + Math.floor(((i + 1) * LEASE_MS) / extra));
}

/**
 * One reservation, fleet-wide, in one round trip (loaded once, then called by its SHA).
 *
 * Every key it touches is in KEYS (a Redis Cluster refuses a script that builds key names): the
 * category's window, its pause, its active apps, and every app's starts in one sorted set (a
 * lexicographic range per app; its cost grows with the active apps, as before). The per-app sets
 * of earlier versions (`window:<category>:app:<app>`) are no longer read and expire.
 *
 * The category's starts form a sliding window of at most `limit`. Each active app (seen in the
 * last two windows) is guaranteed `limit × weight / Σ active weights` of it. A call takes the
 * earliest start with room (now while the window has room, else when the oldest call leaves),
 * unless its app is over its share while another active app still has share coming: then it may
 * only use the room nobody is owed (shares not used are lent), or it is told how long until that
 * may change and asks again, so a borrower never queues ahead of a lender. A call that starts now
 * may take a lease for its replica's next calls (`want`): at most a quarter of the room left
 * below three quarters of the limit, within its app's share, each slot booked as starting at the
 * end of its use (`leaseEnds`).
 */
const RESERVE = `
local now, limit, maxWait, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local member, app, weight, active = ARGV[5], ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8])
local want, leaseMs = tonumber(ARGV[9]), tonumber(ARGV[10])
local total, pauseKey, apps, byApp = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
-- byApp holds every app's starts in one sorted set ordered by name (score 0, members
-- app NUL zero-padded time NUL id): an app's starts are one lexicographic range, oldest first.
local function pad(t) return string.format('%015.0f', t) end
local function from(a) return '[' .. a .. '\\0' end
local function to(a) return '(' .. a .. '\\1' end
-- The bound between an app's starts at or before now - window and those after it.
local function edge(a) return a .. '\\0' .. pad(now - window) .. '\\1' end
local function recent(a) return redis.call('zlexcount', byApp, '[' .. edge(a), to(a)) end
redis.call('zremrangebyscore', total, '-inf', now - window)
redis.call('hset', apps, app, now .. ':' .. weight)
redis.call('pexpire', apps, active * 2)
local seen = redis.call('hgetall', apps)
local sum, others = 0, {}
for i = 1, #seen, 2 do
  local at, w = string.match(seen[i + 1], '^([%d.]+):([%d.]+)$')
  if at == nil or now - tonumber(at) > active then
    redis.call('hdel', apps, seen[i])
    redis.call('zremrangebylex', byApp, from(seen[i]), to(seen[i]))
  else
    sum = sum + tonumber(w)
    if seen[i] ~= app then others[#others + 1] = {seen[i], tonumber(w)} end
  end
end
local function shareOf(w) return math.max(1, math.floor(limit * w / sum)) end
local share = shareOf(weight)
redis.call('zremrangebylex', byApp, from(app), '(' .. edge(app))
local count, countMine = redis.call('zcard', total), recent(app)
local pause = tonumber(redis.call('get', pauseKey) or '0')
local owed = 0
if countMine >= share then
  for _, other in ipairs(others) do
    owed = owed + math.max(0, shareOf(other[2]) - recent(other[1]))
  end
end
local at = now
if owed > 0 then
  local room = limit - owed
  if count >= room then
    local wait = window
    local myOldest = redis.call('zrangebylex', byApp, from(app), to(app), 'LIMIT', countMine - share, 1)
    if myOldest[1] then
      local t = tonumber(string.sub(myOldest[1], #app + 2, #app + 16))
      wait = math.min(wait, t + window - now)
    end
    if room >= 1 then
      local oldest = redis.call('zrange', total, count - room, count - room, 'WITHSCORES')
      if oldest[2] then wait = math.min(wait, tonumber(oldest[2]) + window - now) end
    end
    return {0, math.max(5, wait), 1, share}
  end
elseif count >= limit then
  local oldest = redis.call('zrange', total, count - limit, count - limit, 'WITHSCORES')
  at = math.max(now, tonumber(oldest[2]) + window)
  -- Over its share, an app books nothing ahead: an app that turns up later is never queued
  -- behind a long line booked while it was away. It asks again when its slot would be now.
  if countMine >= share and at > now then return {0, at - now, 2, share} end
end
if pause > at then at = pause end
if at - now > maxWait then return {0, at - now, 0, share} end
-- A lease (want > 1) only from room free now, nobody owed, while the window is less than three
-- quarters full (near the limit a slot leased and not used would hold a call back): at most a
-- quarter of the room below that mark, and within the app's share while other apps are active.
local slots = 1
if want > 1 and at == now and owed == 0 then
  slots = math.max(1, math.min(want, 1 + math.floor((math.floor(limit * 3 / 4) - count - 1) / 4)))
  if #others > 0 then slots = math.max(1, math.min(slots, share - countMine)) end
end
-- The call's own slot starts at \`at\`; leased slot j of k is booked at the end of its use.
local entries, mine, last = {at, member}, {0, app .. '\\0' .. pad(at) .. '\\0' .. member}, at
for j = 1, slots - 1 do
  last = now + math.floor(j * leaseMs / (slots - 1))
  entries[#entries + 1] = last
  entries[#entries + 1] = member .. '#' .. j
  mine[#mine + 1] = 0
  mine[#mine + 1] = app .. '\\0' .. pad(last) .. '\\0' .. member .. '#' .. j
end
local ttl = math.ceil(last - now + window + 1000)
redis.call('zadd', total, unpack(entries))
redis.call('pexpire', total, ttl)
redis.call('zadd', byApp, unpack(mine))
redis.call('pexpire', byApp, ttl)
return {1, at - now, 0, share, slots}`;
const RESERVE_SHA = createHash('sha1').update(RESERVE).digest('hex');

/** The same reservation book in process memory: a single instance, or while Redis is away. */
export class LocalSlots {
  private readonly starts = new Map<string, number[]>();
  private readonly byApp = new Map<string, number[]>();
  private readonly seen = new Map<string, Map<string, { at: number; weight: number }>>();
  private readonly pauses = new Map<string, number>();

  reserve(slot: SlotRequest): Reservation {
    const { bucket: category, app, weight, now, limit, maxWait, windowMs } = slot;
    // An app seen within two windows counts as active: its share is kept for it.
    const activeMs = 2 * windowMs;
    const recent = (list: number[] | undefined) => (list ?? []).filter((t) => t > now - windowMs);
    const seen = this.seen.get(category) ?? new Map<string, { at: number; weight: number }>();
    this.seen.set(category, seen);
    seen.set(app, { at: now, weight });
    let sum = 0;
    for (const [name, entry] of seen) {
      if (now - entry.at > activeMs) seen.delete(name);
      else sum += entry.weight;
    }
    const shareOf = (w: number) => Math.max(1, Math.floor((limit * w) / sum));
    const share = shareOf(weight);
    const all = recent(this.starts.get(category));
    const mine = recent(this.byApp.get(`${category}:${app}`));
    this.starts.set(category, all);
    this.byApp.set(`${category}:${app}`, mine);
    let owed = 0;
    if (mine.length >= share) {
      for (const [name, entry] of seen) {
        if (name === app) continue;
        const used = recent(this.byApp.get(`${category}:${name}`)).length;
        owed += Math.max(0, shareOf(entry.weight) - used);
      }
    }
    let at = now;
    if (owed > 0) {
      const room = limit - owed;
      if (all.length >= room) {
        let wait = windowMs;
        const myOldest = mine[mine.length - share];
        if (myOldest !== undefined) wait = Math.min(wait, myOldest + windowMs - now);
        const oldest = room >= 1 ? all[all.length - room] : undefined;
        if (oldest !== undefined) wait = Math.min(wait, oldest + windowMs - now);
        return { granted: false, waitMs: Math.max(5, wait), retry: 'share', share };
      }
    } else if (all.length >= limit) {
      at = Math.max(now, (all[all.length - limit] ?? now) + windowMs);
      if (mine.length >= share && at > now)
        return { granted: false, waitMs: at - now, retry: 'horizon', share };
    }
    at = Math.max(at, this.pauses.get(category) ?? 0);
    if (at - now > maxWait) return { granted: false, waitMs: at - now, share };
    insertSorted(all, at);
    insertSorted(mine, at);
    return { granted: true, waitMs: at - now, share };
  }

  pause(bucket: string, until: number): void {
    if ((this.pauses.get(bucket) ?? 0) < until) this.pauses.set(bucket, until);
  }
}

/** Kept sorted: the window's oldest calls are read by position. */
function insertSorted(list: number[], value: number): void {
  list.push(value);
  if (list.length > 1 && value < (list.at(-2) ?? value)) list.sort((x, y) => x - y);
}

/** The fleet's reservation book in Redis: a category's starts, and the same by app (RESERVE). */
export class RedisSlots {
  private seq = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly key: (name: string) => string,
    private readonly replicaId: string,
  ) {}

  async reserve(slot: SlotRequest): Promise<Reservation> {
    const category = slot.bucket;
    // Every key the script touches, declared (a cluster refuses others); they share the prefix,
    // hence its hash tag in cluster mode.
    const keys = [
      this.key(`window:${category}`),
      this.key(`pause:${category}`),
      this.key(`apps:${category}`),
      this.key(`window:${category}:by-app`),
    ];
    const args = [
      slot.now,
      slot.limit,
      slot.maxWait,
      slot.windowMs,
      `${this.replicaId}:${++this.seq}`,
      slot.app,
      slot.weight,
      2 * slot.windowMs,
      slot.want ?? 1,
      LEASE_MS,
    ].map(String);
    let reply: unknown;
    try {
      reply = await this.redis.evalsha(RESERVE_SHA, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      // First use on this Redis (or after a restart): EVAL also caches the script by its SHA.
      reply = await this.redis.eval(RESERVE, keys.length, ...keys, ...args);
    }
    if (!Array.isArray(reply)) throw new Error('unexpected reply from the rate-limit script');
    const retry = reply[2] === 1 ? 'share' : reply[2] === 2 ? 'horizon' : undefined;
    return {
      granted: reply[0] === 1,
      waitMs: Number(reply[1]),
      retry,
      share: Number(reply[3]),
      slots: reply[0] === 1 ? Number(reply[4] ?? 1) : undefined,
    };
  }

  async pause(category: string, until: number, now: number): Promise<void> {
    const ttl = Math.max(1, until - now + 1_000);
    // A pause only moves forward, and a stale one expires.
    const current = Number((await this.redis.get(this.key(`pause:${category}`))) ?? 0);
    if (current < until)
      await this.redis.set(this.key(`pause:${category}`), String(until), 'PX', ttl);
  }
}
