import type { TokenEndpointError, TokenEndpointErrorKind } from './zoom-oauth.client.js';

/**
 * The one vocabulary for "is our Zoom app healthy?". Every other module (health, diagnostics,
 * the doctor, heartbeats, the validation history) uses these types; none declares its own.
 */
export const ZOOM_AUTH_STATES = [
  'ok',
  'degraded',
  'rejected',
  'invalid_credentials',
  'unreachable',
] as const;

export type ZoomAuthState = (typeof ZOOM_AUTH_STATES)[number];

export function isZoomAuthState(value: unknown): value is ZoomAuthState {
  return ZOOM_AUTH_STATES.some((state) => state === value);
}

/**
 * Why the state is what it is, as Zoom said it: kept as fields when it is observed, so every
 * reader (verdict, health, diagnostics) decides from data and never re-reads the words.
 */
export type AuthCause =
  /** Nothing wrong seen. */
  | { kind: 'none' }
  /** Zoom's token endpoint did not give a token. */
  | {
      kind: 'token_endpoint';
      error: TokenEndpointErrorKind;
      /** Our words for what happened (no secret). */
      message: string;
      status?: number;
      /** Zoom's OAuth `error` (invalid_client, invalid_request, ...). */
      zoomError?: string;
      /** Zoom's OAuth `reason`. */
      zoomReason?: string;
      /** ISO time before which Zoom asked us not to come back (Retry-After). */
      retryAt?: string;
    }
  /** Zoom's API refused a token it had no reason to refuse (401, code 124 on a fresh token). */
  | { kind: 'api_refusal'; status: number; code?: number; message?: string }
  /** The app lacks scopes: from Zoom's 4711 answer, or from the token's granted scopes. */
  | { kind: 'missing_scopes'; scopes: string[]; status?: number; code?: number; message?: string }
  /** Zoom's API (or our own governor on its behalf) is rate limiting the account. */
  | { kind: 'api_rate_limited'; status?: number; code?: number; message?: string; retryAt?: string }
  /** Any other error answer of Zoom's API. */
  | { kind: 'api_error'; status: number; code?: number; message?: string }
  /** Zoom's API gave no answer (connection refused, reset, timeout) or the call failed otherwise. */
  | { kind: 'network'; message: string };

export const NO_CAUSE: AuthCause = { kind: 'none' };

const CAUSE_KINDS: ReadonlySet<string> = new Set<AuthCause['kind']>([
  'none',
  'token_endpoint',
  'api_refusal',
  'missing_scopes',
  'api_rate_limited',
  'api_error',
  'network',
]);

/** A cause as stored or announced by a replica (Redis, an error's `cause`). */
export function isAuthCause(value: unknown): value is AuthCause {
  return (
    typeof value === 'object' &&
    value !== null &&
    'kind' in value &&
    typeof value.kind === 'string' &&
    CAUSE_KINDS.has(value.kind)
  );
}

/** The fleet's auth state, in words for operators and fields for machines. */
export interface ZoomAuthSnapshot {
  state: ZoomAuthState;
  /** Why, in plain words; never a token or secret. */
  reason: string;
  /** Why, as data. */
  cause: AuthCause;
  /** ms epoch of entering this state. */
  since: number;
  /** ms epoch of the last transition (orders announcements from different replicas). */
  updatedAt: number;
  /** ms epoch of the last token accepted by Zoom or minted (this replica's view), or null. */
  lastSuccessAt: number | null;
  /** ms epoch before which no mint (or probe) is attempted; null when minting is allowed. */
  retryAt: number | null;
  /** Consecutive failures behind the current back-off. */
  failures: number;
  /** The current back-off period in ms (0 when none). */
  backoffMs: number;
  /** Fingerprint of the token whose refusal put the fleet in `rejected` (so one refusal escalates once). */
  refusedFingerprint?: string;
  credentialVersion: number | null;
}

/** What a validation call (scheduled check, doctor) found, for the state machine. */
export interface ValidationOutcome {
  state: ZoomAuthState;
  reason: string;
  cause: AuthCause;
  credentialVersion?: number;
  retryAfterMs?: number;
}

/** The cause recorded when Zoom's token endpoint does not give a token. */
export function tokenEndpointCause(error: TokenEndpointError, now: number): AuthCause {
  const { status, zoomError, zoomReason, retryAfterMs } = error.details;
  return {
    kind: 'token_endpoint',
    error: error.kind,
    message: error.message,
    status,
    zoomError,
    zoomReason,
    retryAt: retryAfterMs !== undefined ? new Date(now + retryAfterMs).toISOString() : undefined,
  };
}
