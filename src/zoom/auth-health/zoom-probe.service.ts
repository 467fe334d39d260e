import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock.js';
import { DomainError } from '../../common/errors/index.js';
import { nodeErrorCode } from '../../common/errors/node-error-code.js';
import { describedRequest, ZoomAttempt } from '../api/zoom-attempt.js';
import { AppConfig } from '../../config/app-config.js';
import type { ZoomCredentials } from '../credentials/zoom-credentials.js';
import {
  type MintedToken,
  parseRetryAfter,
  TokenEndpointError,
  ZoomOAuthClient,
} from '../token/zoom-oauth.client.js';
import { type AuthCause, NO_CAUSE, tokenEndpointCause } from '../token/auth-state.js';
import {
  missingRequiredScopes,
  scopesFromZoomMessage,
  verdictFor,
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

/**
 * What the answer of the cheap call made with a token minted moments ago says: a 401 then means
 * Zoom refuses the app, not that the token aged; a success still lacks the scopes the gateway
 * needs when the token does not carry them.
 */
export function causeOfCall(
  call: CheapCallOutcome,
  grantedScopes: readonly string[],
  now: number,
): AuthCause {
  const answer = { status: call.status, code: call.zoomCode, message: call.zoomMessage };
  if (call.networkError !== undefined) return { kind: 'network', message: call.networkError };
  if (call.status === 401) return { kind: 'api_refusal', ...answer };
  if (call.zoomCode === 4711)
    return { kind: 'missing_scopes', scopes: scopesFromZoomMessage(call.zoomMessage), ...answer };
  if (call.status === 429) {
    const retryAt = new Date(now + (call.retryAfterMs ?? 1_000)).toISOString();
    return { kind: 'api_rate_limited', ...answer, retryAt };
  }
  if (call.status >= 200 && call.status < 300) {
    const missing = missingRequiredScopes(grantedScopes);
    return missing.length ? { kind: 'missing_scopes', scopes: missing } : NO_CAUSE;
  }
  return { kind: 'api_error', ...answer };
}

/** The doctor's report, and the cause its verdict was made from (for the fleet's state). */
export interface ProbeResult {
  report: ProbeReport;
  cause: AuthCause;
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
    private readonly zoom: ZoomAttempt,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async probe(
    credentials: ZoomCredentials,
    onMint?: (outcome: ProbeMintOutcome) => Promise<void>,
  ): Promise<ProbeResult> {
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
      const cause = tokenEndpointCause(error, this.clock.now());
      const report: ProbeReport = {
        verdict: verdictFor(cause),
        credential,
        mint: { ok: false, latencyMs, error: { kind: error.kind, ...error.details } },
      };
      return { report, cause };
    }
    await onMint?.({ ok: true, latencyMs: token.latencyMs, token });
    const call = await this.cheapCall(token);
    const cause = causeOfCall(call, token.scopes, this.clock.now());
    const report: ProbeReport = {
      verdict: verdictFor(cause),
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
    return { report, cause };
  }

  /** `GET /users/me` with the given token (at its region's host); resolves with any answer, never throws. */
  async cheapCall(token: Pick<MintedToken, 'accessToken' | 'apiUrl'>): Promise<CheapCallOutcome> {
    const started = this.clock.now();
    try {
      const response = await this.zoom.send<unknown>(
        describedRequest({ method: CHEAP_CALL.method, path: CHEAP_CALL.path, timeoutMs: 10_000 }),
        token,
        { answer: 'whole' },
      );
      const body = response.data;
      const code = isObject(body) && 'code' in body ? body.code : undefined;
      const message = isObject(body) && 'message' in body ? body.message : undefined;
      return {
        status: response.status,
        latencyMs: this.clock.now() - started,
        zoomCode: typeof code === 'number' ? code : undefined,
        zoomMessage: typeof message === 'string' ? message : undefined,
        retryAfterMs: parseRetryAfter(response.headers['retry-after'], this.clock.now()),
      };
    } catch (error) {
      return {
        status: 0,
        latencyMs: this.clock.now() - started,
        networkError:
          error instanceof DomainError
            ? (nodeErrorCode(error.cause) ?? error.code)
            : error instanceof Error
              ? error.message
              : String(error),
      };
    }
  }
}

export type ProbeMintOutcome =
  | { ok: true; latencyMs: number; token: MintedToken }
  | { ok: false; latencyMs: number; error: TokenEndpointError };

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
