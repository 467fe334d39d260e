// The simulator's counters (what `control.stats()` reports, less the derived figures).
import type { SimulatorStats } from './sim-types.js';

export type Counters = Omit<SimulatorStats, 'liveTokens' | 'meetings' | 'rateLimitedBy'>;

export const emptyStats = (): Counters => ({
  tokenRequests: 0,
  tokensMinted: 0,
  mintsBySecret: {},
  tokenErrors: {},
  maxConcurrentTokenRequests: 0,
  apiCalls: 0,
  apiCallsByRoute: {},
  expiredTokenUses: 0,
  invalidatedTokenUses: 0,
  refusedTokenUses: 0,
  unknownTokenUses: 0,
  rateLimited: 0,
  webhookDeliveries: 0,
  webhookFailures: 0,
});

/** Back to zero in place: every component holds the same counters object. */
export const resetCounters = (counters: Counters) => Object.assign(counters, emptyStats());

export const bump = (map: Record<string, number>, key: string) => {
  map[key] = (map[key] ?? 0) + 1;
};
