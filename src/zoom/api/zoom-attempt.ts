import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import type { ZoomToken } from '../token/token-store/token-store.js';
import type { ZoomCallOptions, ZoomRequest, ZoomResponse } from './zoom-api.types.js';
import { zoomApiBase } from './zoom-api-base.js';
import { readBody, ZoomHttpTransport } from './zoom-http.transport.js';
import { parseZoomJson, queryString } from './zoom-json.js';
import { describeZoomRoute } from './zoom-routes.js';

const DEFAULT_TIMEOUT_MS = 15_000;
/** Answers a relay must read before passing them on: token refusals and rate limits (small JSON). */
const INSPECTED_STATUSES = new Set([401, 429]);
const INSPECT_LIMIT_BYTES = 64 * 1024;
/**
 * Relayed answers at most this long (by Content-Length) are read whole and sent in one write:
 * Zoom's JSON answers are mostly a few KB, and piping them as a stream cost more CPU per request
 * than a buffered relay (bench, issue 16). Longer ones stay streams.
 */
const BUFFERED_ANSWER_BYTES = 64 * 1024;

/** A request whose label and route facts were read from the route table. */
export type DescribedRequest = ZoomRequest & { route: string };

/** A relayed body that may be read whole: announced, short, and one that exists (not HEAD, 204 or 304). */
function isSmallBody(method: string, status: number, headers: Record<string, string>): boolean {
  if (method === 'HEAD' || status === 204 || status === 304) return false;
  const length = Number(headers['content-length'] ?? Number.NaN);
  return Number.isInteger(length) && length <= BUFFERED_ANSWER_BYTES;
}

/** `req` with its route facts and label from the route table (the only source of both). */
export function describedRequest(request: ZoomRequest): DescribedRequest {
  const zoomRoute = request.zoomRoute ?? describeZoomRoute(request.method, request.path);
  return {
    ...request,
    // A getter of the caller's (a streamed body's `retryable`) stays live.
    get retryable() {
      return request.retryable;
    },
    zoomRoute,
    route: request.route ?? `${request.method} ${zoomRoute.template}`,
  };
}

/**
 * Zoom's answer with its body as sent (`text`) and parsed on first use (`data`): a read relayed
 * as Zoom wrote it never pays for a parse and a re-serialization.
 */
function zoomResponse<T>(
  status: number,
  headers: Record<string, string>,
  raw: Buffer,
): ZoomResponse<T> {
  let text: string | undefined;
  let parsed: { data: T } | undefined;
  return {
    status,
    headers,
    raw,
    // Decoded on first use: a relay sends the bytes and never needs either.
    get text(): string {
      text ??= raw.toString('utf8');
      return text;
    },
    get data(): T {
      // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- Zoom's documented body for this route
      parsed ??= { data: parseZoomJson((text ??= raw.toString('utf8'))) as T };
      return parsed.data;
    },
  };
}

/**
 * One HTTP attempt at Zoom's REST API, the only one: the bearer given, a JSON body or the
 * caller's own bytes and headers, the answer read whole or relayed as a stream, counted in the
 * metrics under the route table's label. ZoomApiClient runs it with the fleet's token and the
 * governor; the doctor's probe with a token of its own.
 */
@Injectable()
export class ZoomAttempt {
  constructor(
    private readonly transport: ZoomHttpTransport,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  /** One raw HTTP attempt: resolves with any status Zoom answers, throws only when there is no answer. */
  async send<T>(
    req: DescribedRequest,
    token: Pick<ZoomToken, 'accessToken' | 'apiUrl'>,
    options: ZoomCallOptions,
  ): Promise<ZoomResponse<T>> {
    const started = performance.now();
    const { payload } = options;
    const body = payload
      ? payload.next()
      : req.body !== undefined
        ? Buffer.from(JSON.stringify(req.body))
        : undefined;
    const headers: Record<string, string> = payload
      ? { ...options.headers }
      : { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) };
    // A buffered body, or a stream captured whole for the retry, says its length; a first stream keeps the caller's.
    if (payload?.length !== undefined && body !== undefined)
      headers['content-length'] = String(payload.length);
    headers.authorization = `Bearer ${token.accessToken}`;
    const query = req.rawQuery ?? new URLSearchParams(queryString(req.query)).toString();
    try {
      const answer = await this.transport.send({
        method: req.method,
        url: `${zoomApiBase(this.config, token)}${req.path}${query && !query.startsWith('?') ? `?${query}` : query}`,
        headers,
        body,
        timeoutMs: req.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        signal: options.signal,
        route: req.route,
      });
      this.metrics.observeZoomCall(req.route, answer.status, (performance.now() - started) / 1_000);
      const inspected = INSPECTED_STATUSES.has(answer.status);
      if (
        options.answer === 'relay' &&
        !inspected &&
        !isSmallBody(req.method, answer.status, answer.headers)
      )
        return {
          status: answer.status,
          headers: answer.headers,
          // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- a streamed answer is never parsed
          data: undefined as T,
          stream: answer.body,
        };
      const raw = await readBody(
        answer.body,
        options.answer === 'relay' && inspected ? INSPECT_LIMIT_BYTES : Infinity,
      );
      return zoomResponse<T>(answer.status, answer.headers, raw);
    } catch (error) {
      this.metrics.observeZoomCall(req.route, 'error', (performance.now() - started) / 1_000);
      throw error;
    }
  }
}
