import type { AuthCause } from '../token/auth-state.js';

/**
 * The one vocabulary for "what is wrong with our Zoom app", shared by `npm run doctor`, the
 * diagnostics endpoint and health details, so an operator reads the same words everywhere.
 */
export type ZoomVerdictCode =
  | 'healthy'
  | 'wrong_client_credentials'
  | 'wrong_account_id'
  | 'app_refused'
  | 'missing_scopes'
  | 'rate_limited'
  | 'unreachable'
  | 'zoom_error';

export interface ZoomVerdict {
  code: ZoomVerdictCode;
  healthy: boolean;
  /** What is wrong, in words. */
  summary: string;
  /** What the operator should do next. */
  nextStep: string;
  /** Scopes the app lacks (missing_scopes). */
  missingScopes?: string[];
  /** ISO time until which Zoom rate-limits us (rate_limited), when Zoom said. */
  retryAt?: string;
  /** Zoom's own words (status, code, message or OAuth error), never a secret. */
  zoom?: { status?: number; code?: number | string; message?: string };
}

/** Process exit codes of `doctor`, one per verdict so scripts can branch without parsing JSON. */
export const DOCTOR_EXIT_CODES: Record<ZoomVerdictCode, number> = {
  healthy: 0,
  wrong_client_credentials: 2,
  wrong_account_id: 3,
  app_refused: 4,
  missing_scopes: 5,
  rate_limited: 6,
  unreachable: 7,
  zoom_error: 8,
};

/**
 * The scopes the gateway itself needs (meetings), each satisfied by a granular scope, its
 * `:admin` variant (what S2S apps get) or a classic scope that older apps still carry.
 */
export const REQUIRED_SCOPES: ReadonlyArray<{ purpose: string; anyOf: readonly string[] }> = [
  {
    purpose: 'create meetings',
    anyOf: [
      'meeting:write:meeting:admin',
      'meeting:write:meeting',
      'meeting:write:admin',
      'meeting:write',
    ],
  },
  {
    purpose: 'read meetings',
    anyOf: [
      'meeting:read:meeting:admin',
      'meeting:read:meeting',
      'meeting:read:admin',
      'meeting:read',
    ],
  },
  {
    purpose: 'list meetings',
    anyOf: [
      'meeting:read:list_meetings:admin',
      'meeting:read:list_meetings',
      'meeting:read:admin',
      'meeting:read',
    ],
  },
  {
    purpose: 'delete meetings',
    anyOf: [
      'meeting:delete:meeting:admin',
      'meeting:delete:meeting',
      'meeting:write:admin',
      'meeting:write',
    ],
  },
];

/** The first (S2S `:admin`) name of every required scope the token does not carry. */
export function missingRequiredScopes(granted: readonly string[]): string[] {
  if (granted.length === 0) return []; // Zoom did not say: do not guess.
  const has = new Set(granted);
  const master = has.has('meeting:master');
  return REQUIRED_SCOPES.filter((s) => !master && !s.anyOf.some((x) => has.has(x))).map(
    (s) => s.anyOf[0],
  );
}

/** Zoom's 4711 message: `Invalid access token, does not contain scopes:[a, b].` */
export function scopesFromZoomMessage(message: string | undefined): string[] {
  const match = /scopes?\s*:?\s*\[([^\]]*)\]/i.exec(message ?? '');
  if (!match) return [];
  return match[1]
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

const ROTATE =
  'In the Zoom App Marketplace, transfer the app to an active admin if its owner left or lost rights, ' +
  're-activate the app if it was disabled, then regenerate the client secret and install it with ' +
  '`npm run cli -- rotate-secret` or POST /api/admin/zoom/credentials.';

export function verdict(code: ZoomVerdictCode, extra: Partial<ZoomVerdict> = {}): ZoomVerdict {
  const scopes = extra.missingScopes?.length
    ? extra.missingScopes.join(', ')
    : 'the scopes it needs';
  const words: Record<ZoomVerdictCode, { summary: string; nextStep: string }> = {
    healthy: {
      summary: 'Zoom accepts our credentials and our token.',
      nextStep: 'Nothing to do.',
    },
    wrong_client_credentials: {
      summary:
        'Zoom refused the client id or client secret (invalid_client): the credentials are wrong or the secret was regenerated.',
      nextStep:
        'Copy the client id and the current client secret from the app in the Zoom App Marketplace and install them (`npm run cli -- rotate-secret`, or ZOOM_CLIENT_ID/ZOOM_CLIENT_SECRET on a fresh database).',
    },
    wrong_account_id: {
      summary:
        "Zoom refused the account id (invalid_request): the client credentials are fine but the account id is not this app's account.",
      nextStep:
        "Set ZOOM_ACCOUNT_ID to the Account ID shown on the app's page in the Zoom App Marketplace.",
    },
    app_refused: {
      summary:
        'Zoom refuses even a token minted seconds ago (401, code 124): the app is disabled or its owner left or lost rights. Minting more tokens will not help.',
      nextStep: ROTATE,
    },
    missing_scopes: {
      summary: `The app lacks ${scopes}: Zoom mints tokens but refuses the calls that need them (code 4711).`,
      nextStep: `Add ${scopes} to the app's scopes in the Zoom App Marketplace (Scopes tab), then re-activate the app.`,
    },
    rate_limited: {
      summary: `Zoom is rate-limiting this app${extra.retryAt ? ` until ${extra.retryAt}` : ''}.`,
      nextStep:
        "Wait for the limit to reset; if it recurs, check the mint counts below and other apps sharing the account's rate limits.",
    },
    unreachable: {
      summary: 'Zoom could not be reached (connection refused, timeout or 5xx).',
      nextStep:
        'Check outbound network access, DNS and proxies to ZOOM_OAUTH_BASE_URL and ZOOM_API_BASE_URL, and https://status.zoom.us.',
    },
    zoom_error: {
      summary: 'Zoom answered with an error the gateway does not recognise.',
      nextStep:
        "Read Zoom's code and message below; see https://developers.zoom.us/docs/api/ for its meaning.",
    },
  };
  return { code, healthy: code === 'healthy', ...words[code], ...extra };
}

/** Zoom's own words in a cause (status, code, message or OAuth error), as operators see them. */
export function zoomWordsOf(cause: AuthCause): ZoomVerdict['zoom'] {
  switch (cause.kind) {
    case 'none':
      return undefined;
    case 'token_endpoint':
      return said(cause.status, cause.zoomError, cause.zoomReason);
    case 'network':
      return said(undefined, undefined, cause.message);
    case 'api_refusal':
    case 'missing_scopes':
    case 'api_rate_limited':
    case 'api_error':
      return said(cause.status, cause.code, cause.message);
    default:
      return unreachableCause(cause);
  }
}

/** The scopes a cause says the app lacks (none unless it is about scopes). */
export function missingScopesOf(cause: AuthCause): string[] | undefined {
  return cause.kind === 'missing_scopes' && cause.scopes.length ? cause.scopes : undefined;
}

/** Zoom's words, or nothing when Zoom said nothing (scopes read from the token, not an answer). */
function said(status?: number, code?: number | string, message?: string): ZoomVerdict['zoom'] {
  return status === undefined && code === undefined && message === undefined
    ? undefined
    : { status, code, message };
}

/**
 * The one place a cause becomes a verdict: the doctor, diagnostics and health all come here, so
 * an operator reads the same words everywhere. Exhaustive: a new kind of cause does not compile
 * until it has its verdict.
 */
export function verdictFor(cause: AuthCause): ZoomVerdict {
  const zoom = zoomWordsOf(cause);
  switch (cause.kind) {
    case 'none':
      return verdict('healthy');
    case 'token_endpoint':
      switch (cause.error) {
        case 'invalid_client':
          return verdict('wrong_client_credentials', { zoom });
        case 'invalid_request':
          return verdict('wrong_account_id', { zoom });
        case 'rate_limited':
          return verdict('rate_limited', { zoom, retryAt: cause.retryAt });
        case 'unreachable':
        case 'timeout':
        case 'server_error':
          return verdict('unreachable', {
            zoom,
            summary: `Zoom could not be reached: ${cause.message}.`,
          });
        case 'unsupported_grant_type':
        case 'unexpected':
          return verdict('zoom_error', {
            zoom,
            summary: `Zoom's token endpoint refused the request: ${cause.message}.`,
          });
        default:
          return unreachableCause(cause.error);
      }
    case 'api_refusal':
      return verdict('app_refused', { zoom });
    case 'missing_scopes':
      return verdict('missing_scopes', { zoom, missingScopes: missingScopesOf(cause) });
    case 'api_rate_limited':
      return verdict('rate_limited', { zoom, retryAt: cause.retryAt });
    case 'api_error':
      return cause.status >= 500
        ? verdict('unreachable', {
            zoom,
            summary: `Zoom's API could not be reached: HTTP ${cause.status}.`,
          })
        : verdict('zoom_error', { zoom });
    case 'network':
      return verdict('unreachable', {
        zoom,
        summary: `Zoom's API could not be reached: ${cause.message}.`,
      });
    default:
      return unreachableCause(cause);
  }
}

function unreachableCause(cause: never): never {
  throw new Error(`No verdict for ${JSON.stringify(cause)}`);
}
