import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode, ZoomApiError } from '../../common/errors/index.js';
import { AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { type ZoomToken, ZoomTokenService } from '../token/zoom-token.service.js';
import { zoomApiBase } from './zoom-api-base.js';
import { RateLimitGovernor } from './rate-limit-governor.js';
import { readBody, ZoomHttpTransport } from './zoom-http.transport.js';
import type { ZoomQuery, ZoomRequest, ZoomResponse } from './zoom-api.types.js';

const DEFAULT_TIMEOUT_MS = 15_000;

/** Zoom's answer headers callers rely on, on success as on failure: the tracking id support asks for, and the rate limits. */
export function zoomAnswerHeaders(headers: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (name === 'x-zm-trackingid' || name.startsWith('x-ratelimit-') || name === 'retry-after')
      kept[name] = value;
  return kept;
}

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
 * Zoom's answer with its body as sent (`text`) and parsed on first use (`data`): a read relayed
 * as Zoom wrote it never pays for a parse and a re-serialization.
 */
function zoomResponse<T>(
  status: number,
  headers: Record<string, string>,
  text: string,
): ZoomResponse<T> {
  let parsed: { data: T } | undefined;
  return {
    status,
    headers,
    text,
    get data(): T {
      // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- Zoom's documented body for this route
      parsed ??= { data: parseZoomJson(text) as T };
      return parsed.data;
    },
  };
}

/** A streamed body was refused with the token; it cannot be sent again, but the caller can. */
function unreplayable(req: ZoomRequest): DomainError {
  return new DomainError(
    ErrorCode.ZoomUnavailable,
    `Zoom refused the access token during ${req.route}; the token has been replaced, but the streamed request body cannot be sent again. Retry the request.`,
    { headers: { 'Retry-After': '1' } },
  );
}

/** A query's defined parameters as strings, in the caller's order (also a stable cache variant). */
export function queryString(query: ZoomQuery | undefined): Record<string, string> {
  if (!query) return {};
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
    private readonly transport: ZoomHttpTransport,
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
   * answers (with `data` readable at least for 401 and 429); it runs at most twice, plus the
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
    const next = await this.tokens.onAnswer(token, response);
    if (!('retryWith' in next)) return response;
    if (req.retryable === false) throw unreplayable(req);
    // The first attempt already ran the caller's admission step: it runs once.
    const retry = await this.governor.run({ ...req, onAdmitted: undefined }, () =>
      send(next.retryWith),
    );
    await this.tokens.onAnswer(next.retryWith, retry);
    return retry;
  }

  private zoomError(response: ZoomResponse): ZoomApiError {
    const headers = zoomAnswerHeaders(response.headers);
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
    const started = performance.now();
    const query = new URLSearchParams(queryString(req.query)).toString();
    try {
      const answer = await this.transport.send({
        method: req.method,
        url: `${zoomApiBase(this.config, token)}${req.path}${query ? `?${query}` : ''}`,
        headers: {
          authorization: `Bearer ${token.accessToken}`,
          accept: 'application/json',
          ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: req.body !== undefined ? Buffer.from(JSON.stringify(req.body)) : undefined,
        timeoutMs: req.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        route: req.route,
      });
      const text = (await readBody(answer.body)).toString('utf8');
      this.metrics.observeZoomCall(req.route, answer.status, (performance.now() - started) / 1_000);
      return zoomResponse<T>(answer.status, answer.headers, text);
    } catch (error) {
      this.metrics.observeZoomCall(req.route, 'error', (performance.now() - started) / 1_000);
      throw error;
    }
  }
}
