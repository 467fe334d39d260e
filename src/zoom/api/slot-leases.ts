import { LEASE_MS, leaseEnds } from './rate-limit-slots.js';

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
  /** Per line, the ends of the slots held, earliest first. */
  private readonly held = new Map<string, number[]>();
  private readonly paces = new Map<string, Pace>();

  /** Counts a call of `line` and takes a leased slot for it, when one is held and still usable. */
  take(line: string, now: number): boolean {
    this.count(line, now);
    const ends = this.held.get(line);
    if (ends === undefined) return false;
    // The earliest slot still usable: those that ended unused are gone.
    while (ends.length > 0 && ends[0] <= now) ends.shift();
    if (ends.shift() !== undefined) return true;
    this.held.delete(line);
    return false;
  }

  /** Slots to ask for, this call's included: the line's calls expected within LEASE_MS. */
  wanted(line: string, now: number): number {
    const pace = this.count(line, now, 0);
    const perSecond = Math.max(pace.count, pace.previous);
    return Math.min(MAX_LEASE, Math.max(1, Math.floor((perSecond * LEASE_MS) / 1000)));
  }

  /** Keeps the `extra` slots a reservation made at `now` granted beyond its own call. */
  keep(line: string, extra: number, now: number): void {
    if (extra > 0) this.held.set(line, leaseEnds(now, extra));
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
