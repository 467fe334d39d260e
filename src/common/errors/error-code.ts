/** Stable, machine-readable error codes of the gateway's own API. Never rename one: clients match on them. */
export enum ErrorCode {
  ValidationFailed = 'validation_failed',
  /** A request target other parsers could read as another path (`#`, `;`, dot segments, ...). */
  InvalidPath = 'invalid_path',
  MalformedJson = 'malformed_json',
  PayloadTooLarge = 'payload_too_large',
  Unauthorized = 'unauthorized',
  Forbidden = 'forbidden',
  /** The API key's grants do not cover this area and kind of call (the message names the grant). */
  GrantMissing = 'grant_missing',
  NotFound = 'not_found',
  RouteNotFound = 'route_not_found',
  Conflict = 'conflict',
  IdempotencyKeyReused = 'idempotency_key_reused',
  IdempotencyInProgress = 'idempotency_in_progress',
  RateLimited = 'rate_limited',
  /** The app already has MAX_INFLIGHT_PER_APP calls in flight on this replica. */
  TooManyInFlight = 'too_many_in_flight',
  /** The caller's body paused longer than REQUEST_BODY_IDLE_TIMEOUT_MS or took longer than REQUEST_BODY_TIMEOUT_MS. */
  RequestTimeout = 'request_timeout',
  DailyLimitReached = 'daily_limit_reached',
  CredentialsRejected = 'credentials_rejected',
  ZoomAuthRejected = 'zoom_auth_rejected',
  ZoomInvalidCredentials = 'zoom_invalid_credentials',
  /** The gateway is holding calls back (token endpoint backing off, no token obtainable yet). */
  ZoomUnavailable = 'zoom_unavailable',
  /** No connection to Zoom could be made (DNS, refused, reset). */
  ZoomUnreachable = 'zoom_unreachable',
  /** Zoom did not answer within the call's deadline. */
  ZoomTimeout = 'zoom_timeout',
  ZoomError = 'zoom_error',
  WebhooksDisabled = 'webhooks_disabled',
  InvalidSignature = 'invalid_signature',
  ServiceUnavailable = 'service_unavailable',
  /** The gateway's own database did not answer in time, or refused or dropped the connection. */
  DatabaseUnavailable = 'database_unavailable',
  Internal = 'internal_error',
  RotationInProgress = 'rotation_in_progress',
  RotationNotConfigured = 'rotation_not_configured',
  RotationFailed = 'rotation_failed',
}

/**
 * The one place a code becomes an HTTP status: throw sites name a code, never a status. A
 * `Record` over the enum, so a new code without a status does not compile.
 */
const HTTP_STATUS: Record<ErrorCode, number> = {
  [ErrorCode.ValidationFailed]: 400,
  [ErrorCode.InvalidPath]: 400,
  [ErrorCode.MalformedJson]: 400,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.InvalidSignature]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.GrantMissing]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.RouteNotFound]: 404,
  [ErrorCode.WebhooksDisabled]: 404,
  [ErrorCode.RequestTimeout]: 408,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.IdempotencyKeyReused]: 409,
  [ErrorCode.IdempotencyInProgress]: 409,
  [ErrorCode.RotationInProgress]: 409,
  [ErrorCode.RotationNotConfigured]: 409,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.CredentialsRejected]: 422,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.TooManyInFlight]: 429,
  [ErrorCode.DailyLimitReached]: 429,
  [ErrorCode.Internal]: 500,
  [ErrorCode.ZoomError]: 502,
  [ErrorCode.ZoomUnreachable]: 502,
  [ErrorCode.RotationFailed]: 502,
  [ErrorCode.ZoomUnavailable]: 503,
  [ErrorCode.ZoomAuthRejected]: 503,
  [ErrorCode.ZoomInvalidCredentials]: 503,
  [ErrorCode.ServiceUnavailable]: 503,
  [ErrorCode.DatabaseUnavailable]: 503,
  [ErrorCode.ZoomTimeout]: 504,
};

export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS[code];
}
