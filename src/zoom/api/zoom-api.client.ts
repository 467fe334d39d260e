import { HttpService } from '@nestjs/axios';
import { Injectable } from '@nestjs/common';
import type { AxiosResponse } from 'axios';
import { DomainError, ErrorCode, ZoomApiError } from '../../common/errors/index.js';
import { nodeErrorCode } from '../../common/errors/node-error-code.js';
import { AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { type ZoomToken, ZoomTokenService } from '../token/zoom-token.service.js';
import { zoomApiBase } from './zoom-api-base.js';
import { RateLimitGovernor } from './rate-limit-governor.js';
import type { ZoomQuery, ZoomRequest, ZoomResponse } from './zoom-api.types.js';

const DEFAULT_TIMEOUT_MS = 15_000;

/** Headers worth relaying to our caller when Zoom refuses a call. */
const RELAYED_HEADERS = [
  'x-zm-trackingid',
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

/** A streamed body was refused with the token; it cannot be sent again, but the caller can. */
function unreplayable(req: ZoomRequest): DomainError {
  return new DomainError(
    ErrorCode.ZoomUnavailable,
    `Zoom refused the access token during ${req.route}; the token has been replaced, but the streamed request body cannot be sent again. Retry the request.`,
    { headers: { 'Retry-After': '1' } },
  );
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
    const response = await this.exchange<ZoomResponse<T>>(req, (token) =>
      this.attempt<T>(req, token),
    );
    if (response.status >= 200 && response.status < 300) return response;
    throw this.zoomError(response);
  }

  /**
   * One call to Zoom with the fleet's token, paced by the governor, recovering once from a token
   * Zoom stopped honouring. `send` makes one raw attempt and resolves with any status Zoom
   * answers (with `data` parsed at least for 401 and 429); it runs at most twice, plus the
   * governor's own retries after a per-second 429 when `req.retryable` is not false.
   */
  async exchange<R extends ZoomResponse>(
    req: ZoomRequest,
    send: (token: ZoomToken) => Promise<R>,
  ): Promise<R> {
    const token = await this.tokens.getToken();
    const response = await this.governor.run(req, () => send(token));
    // The token service owns the protocol: after each answer it says retry (once) or stop; it may
    // throw the rejected error. At most one retry, never a loop.
    const next = await this.tokens.onAnswer(token, response.status, response.data);
    if (!('retryWith' in next)) return response;
    if (req.retryable === false) throw unreplayable(req);
    const retry = await this.governor.run(req, () => send(next.retryWith));
    await this.tokens.onAnswer(next.retryWith, retry.status, retry.data);
    return retry;
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

  /** One raw HTTP attempt: resolves with any status Zoom answers, throws only when there is no answer. */
  private async attempt<T>(req: ZoomRequest, token: ZoomToken): Promise<ZoomResponse<T>> {
    const timeout = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const started = performance.now();
    try {
      // The promise API of the module's axios instance: the Observable wrapper aborts (and builds
      // a cancellation error with a stack) after every successful call, a measurable cost per request.
      const response = await this.http.axiosRef.request<string>({
        method: req.method,
        url: `${zoomApiBase(this.config, token)}${req.path}`,
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
