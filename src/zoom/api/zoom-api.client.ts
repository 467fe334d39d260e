import { HttpService } from '@nestjs/axios';
import { Injectable } from '@nestjs/common';
import type { AxiosResponse } from 'axios';
import { DomainError, ErrorCode, ZoomApiError } from '../../common/errors/index.js';
import { nodeErrorCode } from '../../common/errors/node-error-code.js';
import { AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { type ZoomToken, ZoomTokenService } from '../token/zoom-token.service.js';
import { RateLimitGovernor } from './rate-limit-governor.js';
import type { ZoomQuery, ZoomRequest, ZoomResponse } from './zoom-api.types.js';

const DEFAULT_TIMEOUT_MS = 15_000;

/** Headers worth relaying to our caller when Zoom refuses a call. */
const RELAYED_HEADERS = [
  'retry-after',
  'x-ratelimit-category',
  'x-ratelimit-type',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
];

interface ZoomErrorBody {
  code?: number;
  message?: string;
  errors?: { field: string; message: string }[];
}

/**
 * Zoom's ids are int64. JSON.parse would round any id above 2^53 (16+ digits) to a nearby
 * double, so such ids are turned into exact decimal strings before parsing. Smaller ids stay
 * numbers, exactly as Zoom sent them.
 */
export function parseZoomJson(text: string): unknown {
  if (!text) return text;
  const exact = text.replace(
    /(?<!\\)("(?:id|meeting_id|occurrence_id)"\s*:\s*)(\d{16,})(?=\s*[,}\]])/g,
    '$1"$2"',
  );
  try {
    return JSON.parse(exact) as unknown;
  } catch {
    return text;
  }
}

/**
 * Zoom's error bodies are JSON objects whose fields are all optional; any object is kept as Zoom
 * sent it (so it can be relayed whole), anything else is not an error body.
 */
function zoomErrorBody(data: unknown): ZoomErrorBody | undefined {
  return typeof data === 'object' && data !== null ? data : undefined;
}

/** Zoom's answer for a token it does not honour: HTTP 401 with code 124 (invalid or expired). */
export function isTokenRefusal(status: number, body: unknown): boolean {
  return status === 401 && zoomErrorBody(body)?.code === 124;
}

function flattenHeaders(headers: AxiosResponse['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined || value === null) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

function queryString(query: ZoomQuery | undefined): Record<string, string> | undefined {
  if (!query) return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query))
    if (value !== undefined) out[key] = String(value);
  return out;
}

/**
 * The one HTTP client for Zoom's REST API: injects the bearer, recovers once from a token Zoom
 * stopped honouring, paces through the rate-limit governor and maps Zoom's errors.
 */
@Injectable()
export class ZoomApiClient {
  constructor(
    private readonly http: HttpService,
    private readonly config: AppConfig,
    private readonly tokens: ZoomTokenService,
    private readonly governor: RateLimitGovernor,
    private readonly metrics: MetricsService,
  ) {}

  /** Resolves with Zoom's 2xx answer; throws ZoomApiError for Zoom's errors, DomainError otherwise. */
  async request<T>(req: ZoomRequest): Promise<ZoomResponse<T>> {
    let token = await this.tokens.getToken();
    let response = await this.governed<T>(req, token);
    if (isTokenRefusal(response.status, response.data)) {
      // Compare-and-delete of exactly this token, then one retry with the current one. Never a loop.
      token = (await this.tokens.handleUnauthorized(token, zoomErrorBody(response.data)))!;
      response = await this.governed<T>(req, token);
      if (isTokenRefusal(response.status, response.data)) {
        // Refused again: the token service may declare the app rejected (throws); no further retry.
        await this.tokens.handleUnauthorized(token, zoomErrorBody(response.data), {
          replace: false,
        });
      }
    }
    if (response.status >= 200 && response.status < 300) {
      this.tokens.reportAccepted(token);
      return response;
    }
    if (response.status !== 401) this.tokens.reportAccepted(token);
    throw this.zoomError(response);
  }

  private zoomError(response: ZoomResponse): ZoomApiError {
    const headers: Record<string, string> = {};
    for (const name of RELAYED_HEADERS)
      if (response.headers[name]) headers[name] = response.headers[name];
    const data = response.data;
    const body: ZoomErrorBody | undefined =
      data && typeof data === 'object'
        ? data
        : typeof data === 'string' && data
          ? { message: data }
          : undefined;
    return new ZoomApiError(response.status, body, headers);
  }

  private governed<T>(req: ZoomRequest, token: ZoomToken): Promise<ZoomResponse<T>> {
    return this.governor.run<T>(req, () => this.attempt<T>(req, token));
  }

  /** One raw HTTP attempt: resolves with any status Zoom answers, throws only when there is no answer. */
  private async attempt<T>(req: ZoomRequest, token: ZoomToken): Promise<ZoomResponse<T>> {
    const timeout = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const started = performance.now();
    try {
      // The promise API of the module's axios instance: the Observable wrapper aborts (and builds
      // a cancellation error with a stack) after every successful call, a measurable cost per request.
      const response = await this.http.axiosRef.request<string>({
        method: req.method,
        url: `${this.config.zoomApiBaseUrl}${req.path}`,
        params: queryString(req.query),
        data: req.body,
        headers: {
          Authorization: `Bearer ${token.accessToken}`,
          Accept: 'application/json',
          ...(req.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
        timeout,
        validateStatus: () => true,
        responseType: 'text',
        transformResponse: [(text: string) => text],
      });
      this.metrics.observeZoomCall(
        req.route,
        response.status,
        (performance.now() - started) / 1_000,
      );
      return {
        status: response.status,
        // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- Zoom's documented body for this route
        data: parseZoomJson(response.data) as T,
        headers: flattenHeaders(response.headers),
      };
    } catch (error) {
      this.metrics.observeZoomCall(req.route, 'error', (performance.now() - started) / 1_000);
      const code = nodeErrorCode(error);
      if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
        throw new DomainError(
          ErrorCode.ZoomTimeout,
          `Zoom did not answer ${req.route} within ${timeout} ms.`,
          {
            cause: error,
          },
        );
      }
      throw new DomainError(
        ErrorCode.ZoomUnreachable,
        `Zoom could not be reached for ${req.route} (${code ?? 'network error'}).`,
        { cause: error },
      );
    }
  }
}
