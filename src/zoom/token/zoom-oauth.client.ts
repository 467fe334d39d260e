import { HttpService } from '@nestjs/axios';
import { Injectable } from '@nestjs/common';
import type { AxiosResponse } from 'axios';
import { firstValueFrom } from 'rxjs';
import { nodeErrorCode } from '../../common/errors/node-error-code.js';
import { AppConfig } from '../../config/app-config.js';
import { Clock } from '../../common/clock.js';
import type { ZoomCredentials } from '../credentials/zoom-credentials.js';

export interface TokenClaims {
  uid?: string;
  aid?: string;
  iss?: string;
  exp?: number;
  iat?: number;
}

export interface MintedToken {
  accessToken: string;
  /** ms epoch, from the response's expires_in measured at our clock when the request was sent. */
  expiresAt: number;
  mintedAt: number;
  lifetimeMs: number;
  scopes: string[];
  /** The account's regional API host from the answer's `api_url` (`https://api-eu.zoom.us`), if any. */
  apiUrl?: string;
  claims: TokenClaims;
  latencyMs: number;
}

export type TokenEndpointErrorKind =
  | 'invalid_client'
  | 'invalid_request'
  | 'unsupported_grant_type'
  | 'rate_limited'
  | 'server_error'
  | 'unreachable'
  | 'timeout'
  | 'unexpected';

/** Why Zoom's token endpoint did not give a token. Carries Zoom's reason, never the secret. */
export class TokenEndpointError extends Error {
  constructor(
    readonly kind: TokenEndpointErrorKind,
    message: string,
    readonly details: {
      status?: number;
      zoomError?: string;
      zoomReason?: string;
      retryAfterMs?: number;
    } = {},
  ) {
    super(message);
    this.name = 'TokenEndpointError';
  }

  /** Wrong credentials: retrying with the same ones cannot help. */
  get permanent(): boolean {
    return ['invalid_client', 'invalid_request', 'unsupported_grant_type'].includes(this.kind);
  }
}

/** Reads the non-secret claims of a JWT-shaped token (Zoom's are); never verifies or logs it. */
export function decodeClaims(token: string): TokenClaims {
  const payload = token.split('.')[1];
  if (!payload) return {};
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    // Every claim is optional: any JSON object is kept as the token carries it.
    return typeof claims === 'object' && claims !== null ? claims : {};
  } catch {
    return {};
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An `api_url` worth following: an http(s) origin, without credentials, path or query. */
export function apiHost(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 200) return undefined;
  try {
    const url = new URL(value);
    if (!['http:', 'https:'].includes(url.protocol) || url.username || url.password)
      return undefined;
    if (url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

export function parseRetryAfter(header: unknown, now: number): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1_000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The raw call to Zoom's token endpoint: `POST {oauth}/oauth/token` with account_credentials. */
@Injectable()
export class ZoomOAuthClient {
  constructor(
    private readonly http: HttpService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** Zoom's Retry-After, cut to ZOOM_RETRY_AFTER_CAP_SECONDS: a huge one must not lock the fleet out. */
  private retryAfter(header: unknown): number | undefined {
    const ms = parseRetryAfter(header, this.clock.now());
    return ms === undefined
      ? undefined
      : Math.min(ms, this.config.zoomRetryAfterCapSeconds * 1_000);
  }

  async mint(
    credentials: ZoomCredentials,
    options: { timeoutMs?: number } = {},
  ): Promise<MintedToken> {
    const started = this.clock.now();
    const basic = Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString(
      'base64',
    );
    let response: AxiosResponse<Record<string, unknown>>;
    const grant = { grant_type: 'account_credentials', account_id: credentials.accountId };
    try {
      response = await firstValueFrom(
        this.http.post<Record<string, unknown>>(
          `${this.config.zoomOAuthBaseUrl}/oauth/token`,
          new URLSearchParams(grant).toString(),
          {
            // Zoom's docs show the grant both as a form body and as query parameters; sending both
            // satisfies either reading of them.
            params: grant,
            headers: {
              Authorization: `Basic ${basic}`,
              'Content-Type': 'application/x-www-form-urlencoded',
            },
            timeout: options.timeoutMs ?? 10_000,
            validateStatus: () => true,
          },
        ),
      );
    } catch (error) {
      const code = nodeErrorCode(error);
      if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
        throw new TokenEndpointError(
          'timeout',
          `Zoom's token endpoint did not answer within ${options.timeoutMs ?? 10_000} ms`,
        );
      }
      throw new TokenEndpointError(
        'unreachable',
        `Zoom's token endpoint is unreachable (${code ?? errorMessage(error)})`,
      );
    }
    const latencyMs = this.clock.now() - started;
    const body = response.data ?? {};
    if (response.status === 200 && typeof body.access_token === 'string') {
      const expiresIn =
        typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
      return {
        accessToken: body.access_token,
        mintedAt: started,
        // Counted from when we asked, so network time never makes us trust a token too long.
        expiresAt: started + expiresIn * 1_000,
        lifetimeMs: expiresIn * 1_000,
        scopes: typeof body.scope === 'string' ? body.scope.split(' ').filter(Boolean) : [],
        apiUrl: apiHost(body.api_url),
        claims: decodeClaims(body.access_token),
        latencyMs,
      };
    }
    const zoomError = typeof body.error === 'string' ? body.error : undefined;
    const zoomReason =
      typeof body.reason === 'string'
        ? body.reason
        : typeof body.message === 'string'
          ? body.message
          : undefined;
    const details = { status: response.status, zoomError, zoomReason };
    if (response.status === 429) {
      const retryAfterMs = this.retryAfter(response.headers['retry-after']);
      throw new TokenEndpointError(
        'rate_limited',
        "Zoom's token endpoint is rate limiting this app",
        { ...details, retryAfterMs },
      );
    }
    if (response.status >= 500) {
      const retryAfterMs = this.retryAfter(response.headers['retry-after']);
      throw new TokenEndpointError(
        'server_error',
        `Zoom's token endpoint answered HTTP ${response.status}`,
        { ...details, retryAfterMs },
      );
    }
    if (zoomError === 'invalid_client') {
      throw new TokenEndpointError(
        'invalid_client',
        `Zoom refused the client id ${credentials.clientId} or its secret (credential version ${credentials.version}): ${zoomReason ?? 'invalid_client'}`,
        details,
      );
    }
    if (zoomError === 'invalid_request' || zoomError === 'unsupported_grant_type') {
      throw new TokenEndpointError(
        zoomError,
        `Zoom refused the token request for account ${credentials.accountId}: ${zoomReason ?? zoomError}`,
        details,
      );
    }
    throw new TokenEndpointError(
      'unexpected',
      `Zoom's token endpoint answered HTTP ${response.status}${zoomReason ? `: ${zoomReason}` : ''}`,
      details,
    );
  }
}
