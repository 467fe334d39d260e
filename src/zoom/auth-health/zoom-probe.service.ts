import { HttpService } from '@nestjs/axios';
import { Injectable } from '@nestjs/common';
import { isAxiosError } from 'axios';
import { firstValueFrom } from 'rxjs';
import { Clock } from '../../common/clock.js';
import { AppConfig } from '../../config/app-config.js';
import type { ZoomCredentials } from '../credentials/zoom-credentials.js';
import {
  type MintedToken,
  parseRetryAfter,
  TokenEndpointError,
  ZoomOAuthClient,
} from '../token/zoom-oauth.client.js';
import {
  missingRequiredScopes,
  scopesFromZoomMessage,
  verdict,
  type ZoomVerdict,
} from './zoom-verdict.js';

/** What one cheap authenticated call (`GET /users/me`) answered. */
export interface CheapCallOutcome {
  status: number;
  latencyMs: number;
  zoomCode?: number;
  zoomMessage?: string;
  retryAfterMs?: number;
  /** The call never got an HTTP answer. */
  networkError?: string;
}

export interface ProbeReport {
  verdict: ZoomVerdict;
  credential: { version: number; clientId: string; accountId: string; fingerprint: string };
  mint: {
    ok: boolean;
    latencyMs?: number;
    error?: {
      kind: string;
      status?: number;
      zoomError?: string;
      zoomReason?: string;
      retryAfterMs?: number;
    };
  };
  token?: { ownerUserId?: string; accountId?: string; scopes: string[]; expiresAt: string };
  call?: CheapCallOutcome & { route: string };
}

export const CHEAP_CALL = { method: 'GET', path: '/users/me', route: 'GET /users/me' } as const;

/** Maps a token endpoint failure to the verdict an operator can act on. */
export function verdictForMintError(error: TokenEndpointError, now: number): ZoomVerdict {
  const zoom = {
    status: error.details.status,
    code: error.details.zoomError,
    message: error.details.zoomReason,
  };
  switch (error.kind) {
    case 'invalid_client':
      return verdict('wrong_client_credentials', { zoom });
    case 'invalid_request':
      return verdict('wrong_account_id', { zoom });
    case 'rate_limited':
      return verdict('rate_limited', {
        zoom,
        retryAt:
          error.details.retryAfterMs !== undefined
            ? new Date(now + error.details.retryAfterMs).toISOString()
            : undefined,
      });
    case 'unreachable':
    case 'timeout':
    case 'server_error':
      return verdict('unreachable', {
        zoom,
        summary: `Zoom could not be reached: ${error.message}.`,
      });
    default:
      return verdict('zoom_error', {
        zoom,
        summary: `Zoom's token endpoint refused the request: ${error.message}.`,
      });
  }
}

/**
 * Maps the answer of the cheap call made with a token minted moments ago to a verdict: a 401
 * then means Zoom refuses the app, not that the token aged.
 */
export function verdictForCall(
  call: CheapCallOutcome,
  grantedScopes: readonly string[],
  now: number,
): ZoomVerdict {
  const zoom = {
    status: call.status || undefined,
    code: call.zoomCode,
    message: call.zoomMessage ?? call.networkError,
  };
  if (call.networkError !== undefined || call.status >= 500) {
    return verdict('unreachable', {
      zoom,
      summary: `Zoom's API could not be reached: ${call.networkError ?? `HTTP ${call.status}`}.`,
    });
  }
  if (call.status === 401) return verdict('app_refused', { zoom });
  if (call.zoomCode === 4711) {
    const named = scopesFromZoomMessage(call.zoomMessage);
    return verdict('missing_scopes', { zoom, missingScopes: named.length ? named : undefined });
  }
  if (call.status === 429) {
    return verdict('rate_limited', {
      zoom,
      retryAt: new Date(now + (call.retryAfterMs ?? 1_000)).toISOString(),
    });
  }
  if (call.status >= 200 && call.status < 300) {
    const missing = missingRequiredScopes(grantedScopes);
    return missing.length
      ? verdict('missing_scopes', { missingScopes: missing })
      : verdict('healthy');
  }
  return verdict('zoom_error', { zoom });
}

/**
 * The doctor's probe: one mint with the active credentials, one cheap call with that token,
 * and the verdict. It deliberately bypasses the token service (the point is to test the
 * configured credentials from scratch), so it is only for operators, never for health.
 */
@Injectable()
export class ZoomProbeService {
  constructor(
    private readonly oauth: ZoomOAuthClient,
    private readonly http: HttpService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async probe(
    credentials: ZoomCredentials,
    onMint?: (outcome: ProbeMintOutcome) => Promise<void>,
  ): Promise<ProbeReport> {
    const credential = {
      version: credentials.version,
      clientId: credentials.clientId,
      accountId: credentials.accountId,
      fingerprint: credentials.fingerprint,
    };
    let token: MintedToken;
    const started = this.clock.now();
    try {
      token = await this.oauth.mint(credentials, { timeoutMs: 10_000 });
    } catch (error) {
      const latencyMs = this.clock.now() - started;
      if (!(error instanceof TokenEndpointError)) throw error;
      await onMint?.({ ok: false, latencyMs, error });
      return {
        verdict: verdictForMintError(error, this.clock.now()),
        credential,
        mint: { ok: false, latencyMs, error: { kind: error.kind, ...error.details } },
      };
    }
    await onMint?.({ ok: true, latencyMs: token.latencyMs, token });
    const call = await this.cheapCall(token.accessToken);
    return {
      verdict: verdictForCall(call, token.scopes, this.clock.now()),
      credential,
      mint: { ok: true, latencyMs: token.latencyMs },
      token: {
        ownerUserId: token.claims.uid,
        accountId: token.claims.aid,
        scopes: token.scopes,
        expiresAt: new Date(token.expiresAt).toISOString(),
      },
      call: { route: CHEAP_CALL.route, ...call },
    };
  }

  /** `GET /users/me` with the given token; resolves with any answer, never throws. */
  async cheapCall(accessToken: string): Promise<CheapCallOutcome> {
    const started = this.clock.now();
    try {
      const response = await firstValueFrom(
        this.http.get<Record<string, unknown>>(`${this.config.zoomApiBaseUrl}${CHEAP_CALL.path}`, {
          headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
          timeout: 10_000,
          validateStatus: () => true,
        }),
      );
      const body = (response.data ?? {}) as { code?: unknown; message?: unknown };
      return {
        status: response.status,
        latencyMs: this.clock.now() - started,
        zoomCode: typeof body.code === 'number' ? body.code : undefined,
        zoomMessage: typeof body.message === 'string' ? body.message : undefined,
        retryAfterMs: parseRetryAfter(response.headers['retry-after'], this.clock.now()),
      };
    } catch (error) {
      return {
        status: 0,
        latencyMs: this.clock.now() - started,
        networkError: isAxiosError(error) ? (error.code ?? error.message) : String(error),
      };
    }
  }
}

export type ProbeMintOutcome =
  | { ok: true; latencyMs: number; token: MintedToken }
  | { ok: false; latencyMs: number; error: TokenEndpointError };
