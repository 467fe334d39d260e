import { LEASE_MS } from './rate-limit-slots.js';

/** The most slots one lease holds: one round trip to Redis for this many calls at best. */
export const MAX_LEASE = 10;

/** Calls of a line counted by clock second: this one's and the one before. */
interface Pace {
  second: number;
  count: number;
  previous: number;
}

/**
 * Slots of the fleet's reservation book leased to this replica, per line (category and app), so
 * that at a steady pace most calls start without a round trip to Redis: the book grants a lease
 * only from room free now (RedisSlots), sized here to the calls the line is expected to make
 * within LEASE_MS; a line slower than 1 call per lease asks for none, one reservation per call.
 */
export class SlotLeases {
  private readonly held = new Map<string, { left: number; until: number }>();
  private readonly paces = new Map<string, Pace>();

  /** Counts a call of `line` and takes a leased slot for it, when one is held and still usable. */
  take(line: string, now: number): boolean {
    this.count(line, now);
    const lease = this.held.get(line);
    if (lease === undefined) return false;
    if (now >= lease.until || lease.left <= 0) {
      this.held.delete(line);
      return false;
    }
    lease.left--;
    return true;
  }

  /** Slots to ask for, this call's included: the line's calls expected within LEASE_MS. */
  wanted(line: string, now: number): number {
    const pace = this.count(line, now, 0);
    const perSecond = Math.max(pace.count, pace.previous);
    return Math.min(MAX_LEASE, Math.max(1, Math.floor((perSecond * LEASE_MS) / 1000)));
  }

  /** Keeps the `extra` slots a reservation granted beyond its own call, until `until`. */
  keep(line: string, extra: number, until: number): void {
    if (extra > 0) this.held.set(line, { left: extra, until });
  }

  /** Gives up every lease of a category: Zoom refused a call of it, nobody calls it this second. */
  drop(category: string): void {
    for (const line of this.held.keys())
      if (line.startsWith(`${category}:`)) this.held.delete(line);
  }

  private count(line: string, now: number, calls = 1): Pace {
    const second = Math.floor(now / 1000);
    let pace = this.paces.get(line);
    if (pace === undefined) {
      pace = { second, count: 0, previous: 0 };
      this.paces.set(line, pace);
    } else if (pace.second !== second) {
      pace.previous = pace.second === second - 1 ? pace.count : 0;
      pace.second = second;
      pace.count = 0;
    }
    pace.count += calls;
    return pace;
  }
}
