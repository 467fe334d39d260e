import { Injectable } from '@nestjs/common';

/** Consecutive failures after which a subscriber gets one attempt at a time, and then none for a while. */
const HALF_OPEN_AFTER = 3;
const OPEN_AFTER = 5;
const LONGEST_OPEN_MS = 60_000;

interface Failing {
  count: number;
  openUntil: number;
}

/**
 * A breaker per subscription, per replica: a subscriber that keeps failing (or hanging for the
 * whole attempt deadline) is tried one delivery at a time, then paused for a growing while, so
 * it ties up no more of this replica's delivery slots than one. A success closes it.
 */
@Injectable()
export class SubscriberBreakers {
  private readonly failing = new Map<string, Failing>();

  state(subscriptionId: string, now: number): 'closed' | 'half-open' | 'open' {
    const entry = this.failing.get(subscriptionId);
    if (!entry || entry.count < HALF_OPEN_AFTER) return 'closed';
    return entry.openUntil > now ? 'open' : 'half-open';
  }

  /** Subscriptions whose breaker is open now. */
  blocked(now: number): string[] {
    return [...this.failing].filter(([, entry]) => entry.openUntil > now).map(([id]) => id);
  }

  failed(subscriptionId: string, now: number): void {
    const entry = this.failing.get(subscriptionId) ?? { count: 0, openUntil: 0 };
    entry.count++;
    if (entry.count >= OPEN_AFTER)
      entry.openUntil = now + Math.min(1_000 * 2 ** (entry.count - OPEN_AFTER), LONGEST_OPEN_MS);
    this.failing.set(subscriptionId, entry);
  }

  succeeded(subscriptionId: string): void {
    this.failing.delete(subscriptionId);
  }
}
