import { DomainError, ErrorCode, ZoomApiError } from '../../common/errors/index.js';
import {
  type AuthCause,
  isAuthCause,
  tokenEndpointCause,
  type ZoomAuthState,
} from '../token/auth-state.js';
import { parseRetryAfter, TokenEndpointError } from '../token/zoom-oauth.client.js';
import { scopesFromZoomMessage } from './zoom-verdict.js';

/** What a failed validation call means: the state it implies, in words and as data. */
export interface AuthObservation {
  state: ZoomAuthState;
  reason: string;
  cause: AuthCause;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function tokenEndpointErrorIn(error: unknown): TokenEndpointError | undefined {
  if (error instanceof TokenEndpointError) return error;
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof TokenEndpointError ? cause : undefined;
}

/**
 * Whether an error is news for the state machine. The token service records its own verdicts
 * (a fresh token refused, invalid_client, token endpoint failures) before it throws, and
 * while rejected it fails fast without calling Zoom: recording those again would only push its
 * probe back-off further out. What Zoom's API itself answered is news.
 */
export function isNewObservation(error: unknown): boolean {
  if (error instanceof ZoomApiError) return true;
  if (tokenEndpointErrorIn(error)) return false;
  // The client's own "could not reach" and "did not answer" are news; the token service holding
  // calls back (ZoomUnavailable) is not.
  return (
    error instanceof DomainError &&
    (error.code === ErrorCode.ZoomUnreachable || error.code === ErrorCode.ZoomTimeout)
  );
}

/** What Zoom's API answered to the validation call, as the state it implies. */
function observeZoomAnswer(error: ZoomApiError, now: number): AuthObservation {
  const status = error.httpStatus;
  const code = error.zoomBody?.code;
  const message = error.zoomBody?.message;
  if (status === 401) {
    return {
      state: 'rejected',
      reason: `Zoom refused a fresh access token (HTTP 401, code ${code ?? '?'}: ${message ?? 'no message'}): the app is disabled or its owner lost rights; rotate the client secret after fixing ownership`,
      cause: { kind: 'api_refusal', status, code, message },
    };
  }
  if (code === 4711) {
    // Zoom names the scopes only in its message: read once here, kept as data from then on.
    const scopes = scopesFromZoomMessage(message);
    return {
      state: 'degraded',
      reason: `The app lacks scopes${scopes.length ? `: ${scopes.join(', ')}` : ''} (Zoom code 4711)`,
      cause: { kind: 'missing_scopes', scopes, status, code, message },
    };
  }
  if (status === 429) {
    const until = error.options.headers?.['retry-after'];
    const retryAfterMs = parseRetryAfter(until, now);
    return {
      state: 'degraded',
      reason: `Zoom is rate limiting this account${until ? ` until ${until}` : ''}`,
      cause: {
        kind: 'api_rate_limited',
        status,
        code,
        message,
        retryAt:
          retryAfterMs !== undefined ? new Date(now + retryAfterMs).toISOString() : undefined,
      },
    };
  }
  return {
    state: status >= 500 ? 'unreachable' : 'degraded',
    reason:
      status >= 500
        ? `Zoom's API answered HTTP ${status}`
        : `Zoom answered the validation call with HTTP ${status}: ${message ?? ''}`,
    cause: { kind: 'api_error', status, code, message },
  };
}

function observeTokenEndpoint(error: TokenEndpointError, now: number): AuthObservation {
  const cause = tokenEndpointCause(error, now);
  if (error.kind === 'invalid_client' || error.kind === 'invalid_request') {
    const zoomReason = error.details.zoomReason;
    return {
      state: 'invalid_credentials',
      reason: `Zoom's token endpoint refused the credentials (${error.kind}${zoomReason ? `: ${zoomReason}` : ''}): install the right client id, secret and account id`,
      cause,
    };
  }
  if (error.kind === 'rate_limited')
    return { state: 'degraded', reason: `Zoom's token endpoint is rate limiting this app`, cause };
  return { state: 'unreachable', reason: error.message, cause };
}

/** The gateway's own errors: the token service holding calls back carries its state's cause. */
function observeDomainError(error: DomainError): AuthObservation | undefined {
  const reason = error.message;
  const carried = isAuthCause(error.cause) ? error.cause : undefined;
  switch (error.code) {
    case ErrorCode.ZoomAuthRejected:
      return {
        state: 'rejected',
        reason,
        cause: carried ?? { kind: 'api_refusal', status: 401, message: reason },
      };
    case ErrorCode.ZoomInvalidCredentials:
    case ErrorCode.CredentialsRejected:
      return {
        state: 'invalid_credentials',
        reason,
        cause: carried ?? { kind: 'token_endpoint', error: 'invalid_client', message: reason },
      };
    case ErrorCode.ZoomUnavailable:
    case ErrorCode.ZoomUnreachable:
    case ErrorCode.ZoomTimeout:
      return {
        state: 'unreachable',
        reason,
        cause: carried ?? { kind: 'network', message: reason },
      };
    case ErrorCode.RateLimited:
      return {
        state: 'degraded',
        reason,
        cause: carried ?? { kind: 'api_rate_limited', message: reason },
      };
    default:
      return undefined;
  }
}

/** Turns whatever the validation call ended with into the auth state it implies, with its cause. */
export function observeError(error: unknown, now: number): AuthObservation {
  if (error instanceof ZoomApiError) return observeZoomAnswer(error, now);
  const endpoint = tokenEndpointErrorIn(error);
  if (endpoint) return observeTokenEndpoint(endpoint, now);
  const observed = error instanceof DomainError ? observeDomainError(error) : undefined;
  if (observed) return observed;
  const reason = `The validation call failed: ${messageOf(error)}`;
  return { state: 'unreachable', reason, cause: { kind: 'network', message: reason } };
}
