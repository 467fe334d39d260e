// Zoom's own response bodies and messages, reproduced by the simulator. Where Zoom's public
// docs or staff answers give the exact text it is used verbatim; where they are silent the
// choice is marked "(chosen)".

/** Token endpoint (`POST /oauth/token`) 400 bodies: `{ reason, error }`. */
export const TOKEN_ERRORS = {
  invalidClient: { reason: 'Invalid client_id or client_secret', error: 'invalid_client' },
  // (chosen) Zoom answers a wrong account id with error `invalid_request`; its reason text is
  // not documented publicly.
  invalidAccount: { reason: 'Invalid account_id', error: 'invalid_request' },
  missingAccount: { reason: 'Missing account_id', error: 'invalid_request' },
  unsupportedGrantType: { reason: 'unsupported grant type', error: 'unsupported_grant_type' },
  // (chosen) body of the token endpoint's 429 (setTokenEndpointRateLimited).
  rateLimited: {
    reason: 'Too many requests. Please try again later.',
    error: 'too_many_requests',
  },
} as const;

/** API (`/v2/...`) error bodies: `{ code, message }`. */
export const API_ERRORS = {
  invalidToken: { code: 124, message: 'Invalid access token.' },
  expiredToken: { code: 124, message: 'Access token is expired.' },
  perSecondRateLimit: {
    code: 429,
    message: 'You have reached the maximum per-second rate limit for this API. Try again later.',
  },
  /** an account-wide daily cap (the day's end is in `Retry-After`) */
  dailyRateLimit: {
    code: 429,
    message:
      'You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request.',
  },
  notFound: { code: 404, message: 'Not Found' },
} as const;

export const meetingNotFound = (meetingId: string) => ({
  code: 3001,
  message: `Meeting does not exist: ${meetingId}.`,
});

export const userNotFound = (userId: string) => ({
  code: 1001,
  message: `User does not exist: ${userId}.`,
});

/** Zoom lists the missing granular scopes, the plain one first, then the `:admin` one. */
export const missingScopes = (scopes: readonly string[]) => ({
  code: 4711,
  message: `Invalid access token, does not contain scopes:[${scopes.join(', ')}].`,
});

/** Zoom's per-user daily limit on meeting create/update (message quoted by Zoom staff). */
export const dailyMeetingLimit = (limit: number) => ({
  code: 429,
  message: `You have exceeded the daily rate limit (${limit}) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00.`,
});

/** Zoom's per-registrant daily limit on registrations (message quoted from Zoom for webinar
 * batch registration; (chosen) the same wording, "Meeting" or without "Batch", for the others). */
export const dailyRegistrationLimit = (
  limit: number,
  noun: 'Meeting' | 'Webinar',
  batch: boolean,
  registrant: string,
) => ({
  code: 429,
  message: `You have exceeded the daily rate limit (${limit}) of ${noun} ${batch ? 'Batch ' : ''}Registration API requests permitted for (${registrant}) this particular registrant. You may resume these requests at GMT 00:00:00.`,
});

/** (chosen) Zoom's per-registrant daily limit on status changes, worded as the registration one. */
export const dailyRegistrantStatusLimit = (
  limit: number,
  noun: 'Meeting' | 'Webinar',
  registrant: string,
) => ({
  code: 429,
  message: `You have exceeded the daily rate limit (${limit}) of ${noun} Registrant Status API requests permitted for (${registrant}) this particular registrant. You may resume these requests at GMT 00:00:00.`,
});

export const VALIDATION_FAILED = 'Validation Failed.';
export const BODY_NOT_JSON_OBJECT = 'Request Body should be a valid JSON object.';
