import { createHash } from 'node:crypto';

/**
 * When a token is due for refresh and when it stops being usable, as shares of its lifetime, so
 * that 3600 s tokens and 20 s tokens behave alike.
 */
export interface TokenTiming {
  /** The refresh window opens when this share of the lifetime remains (before jitter). */
  refreshShare: number;
  /** Extra share added per replica, from 0 to this, so replicas do not all enter the window at once. */
  jitterShare: number;
  /** The token is no longer handed out when this share (bounded below/above) remains. */
  safetyShare: number;
  minSafetyMs: number;
  maxSafetyMs: number;
}

export const DEFAULT_TIMING: TokenTiming = {
  refreshShare: 0.1,
  jitterShare: 0.1,
  safetyShare: 0.05,
  minSafetyMs: 1_000,
  maxSafetyMs: 60_000,
};

/** A stable number in [0, 1) for a replica: its place in the refresh window. */
export function replicaJitter(replicaId: string): number {
  return createHash('sha256').update(replicaId).digest().readUInt32BE(0) / 2 ** 32;
}

interface Times {
  mintedAt: number;
  expiresAt: number;
}

function lifetime(token: Times): number {
  return Math.max(1, token.expiresAt - token.mintedAt);
}

/** ms epoch after which the token must not be sent to Zoom any more. */
export function usableUntil(token: Times, timing: TokenTiming = DEFAULT_TIMING): number {
  const safety = Math.min(
    timing.maxSafetyMs,
    Math.max(timing.minSafetyMs, lifetime(token) * timing.safetyShare),
  );
  return token.expiresAt - Math.min(safety, lifetime(token) / 2);
}

/** ms epoch at which this replica starts refreshing the token in the background. */
export function refreshAt(
  token: Times,
  jitter: number,
  timing: TokenTiming = DEFAULT_TIMING,
): number {
  const share = timing.refreshShare + timing.jitterShare * jitter;
  return Math.min(token.expiresAt - lifetime(token) * share, usableUntil(token, timing));
}

/** The token service's tunables; the defaults suit production and the e2e tests alike. */
export const TOKEN_SERVICE_TIMINGS = {
  /** Short, renewed while the mint is in flight: a SIGKILLed holder frees it within seconds. */
  leaseTtlMs: 4_000,
  /** A hung token endpoint is abandoned after this long. */
  mintTimeoutMs: 10_000,
  /** How often a waiter re-reads the shared store when no announcement arrives. */
  pollMs: 250,
  /** A token minted to replace a refused one, and refused within this long, means Zoom refuses the app. */
  freshRefusalMs: 30_000,
  /** How long callers wait for the canary's verdict on a replacement token before trying it themselves. */
  verdictWaitMs: 3_000,
} as const;
