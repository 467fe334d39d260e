import { Injectable, Logger } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import type { AuthenticatedRequest } from '../access/access.decorators.js';
import { DomainError } from '../common/errors/index.js';
import { RetryBufferBudget } from '../admission/retry-buffer-budget.js';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { parseZoomJson, ZoomApiClient } from '../zoom/api/zoom-api.client.js';
import type { ZoomRequest, ZoomResponse } from '../zoom/api/zoom-api.types.js';
import { zoomApiBase } from '../zoom/api/zoom-api-base.js';
import { readBody, ZoomHttpTransport } from '../zoom/api/zoom-http.transport.js';
import { describeZoomRoute } from '../zoom/api/zoom-routes.js';
import { bypassesCache, ZoomReadCache } from '../zoom/cache/zoom-read-cache.js';
import type { ZoomToken } from '../zoom/token/token-store/token-store.js';
import { OutgoingBody } from './outgoing-body.js';
import { forwardedRequestHeaders, relayedResponseHeaders } from './forwarded-headers.js';
import { requestZoomPath } from '../common/zoom-path.js';
import type { WithRawBody } from '../http/body-parsers.js';
import { ZoomReply } from '../http/zoom-reply.js';

/** Long enough for a large upload or a slow report; every pause in a streamed body has the same deadline. */
const PASS_THROUGH_TIMEOUT_MS = 60_000;
/** Answers the gateway must read before relaying: token refusals and rate limits (small JSON). */
const INSPECTED_STATUSES = new Set([401, 429]);
const INSPECT_LIMIT_BYTES = 64 * 1024;
/**
 * Answers at most this long (by Content-Length) are read whole and sent in one write: Zoom's JSON
 * answers are mostly a few KB, and piping them as a stream cost the pass-through more CPU per
 * request than the meetings path's buffered relay (bench, issue 16). Longer ones stay streams.
 */
const BUFFERED_ANSWER_BYTES = 64 * 1024;

/** A Zoom answer on its way back: inspected ones are read whole, all others stay a stream. */
interface RelayedAnswer extends ZoomResponse {
  raw: Buffer | null;
  stream: Readable | null;
}

/**
 * Every `/v2` route the gateway does not handle itself, carried to Zoom unchanged (path, query,
 * body of any type, streamed) with the fleet's token, 401/124 recovery and the rate-limit
 * governor, and answered with Zoom's status, headers and body, streamed back.
 */
@Injectable()
export class ZoomPassThroughService {
  private readonly logger = new Logger('PassThrough');

  constructor(
    private readonly config: AppConfig,
    private readonly client: ZoomApiClient,
    private readonly transport: ZoomHttpTransport,
    private readonly metrics: MetricsService,
    private readonly cache: ZoomReadCache,
    private readonly retryBudget: RetryBufferBudget,
  ) {}

  async forward(
    request: FastifyRequest & AuthenticatedRequest & WithRawBody,
    callerGone: AbortSignal,
  ): Promise<ZoomReply> {
    const { path, search } = requestZoomPath(request);
    const cached =
      request.method === 'GET' && this.cache.enabled ? ZoomReadCache.resourceOf(path) : undefined;
    if (cached) {
      const hit = await this.cache.get(cached, search, bypassesCache(request.headers));
      if (hit)
        return new ZoomReply(
          200,
          { 'content-type': hit.contentType, ...ZoomReadCache.hitHeaders(hit) },
          hit.body,
        );
    }
    const route = describeZoomRoute(request.method, path);
    const body = OutgoingBody.from(request.raw, request.rawBody, this.retryBudget);
    const zoomRequest: ZoomRequest = {
      method: request.method,
      path,
      registrants: registrantsOf(route.daily, request.body),
      route: `${request.method} ${route.template}`,
      zoomRoute: route,
      app: request.caller?.name,
      timeoutMs: PASS_THROUGH_TIMEOUT_MS,
      // Read after each attempt: a streamed body becomes replayable once it was captured whole.
      get retryable() {
        return body.replayable;
      },
    };
    const headers = forwardedRequestHeaders(request.headers);
    let answer: RelayedAnswer;
    try {
      answer = await this.client.exchange(zoomRequest, (token) =>
        this.attempt(zoomRequest, `${path}${search}`, headers, body, token, callerGone, !!cached),
      );
    } finally {
      body.release();
      if (body.copyDropped === 'over_budget')
        this.logger.warn(
          `${zoomRequest.route}: body streamed without a retry copy (RETRY_BUFFER_BUDGET_MB reached); a refused token or a 429 is not retried`,
        );
    }
    await this.remember(request.method, path, search, cached, answer);
    const relayed = relayedResponseHeaders(answer.headers);
    if (answer.raw) relayed['content-length'] = String(answer.raw.length);
    return new ZoomReply(answer.status, relayed, answer.raw ?? answer.stream ?? undefined);
  }

  /** Keeps a cacheable 200 for the next reader; a write through the door forgets what it changed. */
  private async remember(
    method: string,
    path: string,
    search: string,
    cached: ReturnType<typeof ZoomReadCache.resourceOf>,
    answer: RelayedAnswer,
  ): Promise<void> {
    if (cached) {
      const contentType = answer.headers['content-type'] ?? '';
      if (answer.status === 200 && answer.raw && contentType.includes('json'))
        await this.cache.set(cached, search, {
          contentType,
          body: answer.raw.toString('utf8'),
          storedAt: Date.now(),
        });
      answer.headers['x-cache'] = 'MISS';
      return;
    }
    const written = method === 'HEAD' ? undefined : ZoomReadCache.writtenResource(path);
    if (written && answer.status < 500) await this.cache.invalidate(written);
  }

  private async attempt(
    req: ZoomRequest,
    pathAndQuery: string,
    headers: Record<string, string>,
    body: OutgoingBody,
    token: ZoomToken,
    signal: AbortSignal,
    readWhole: boolean,
  ): Promise<RelayedAnswer> {
    const started = performance.now();
    const payload = body.next();
    const length = body.length;
    try {
      const answer = await this.transport.send({
        method: req.method,
        url: `${zoomApiBase(this.config, token)}${pathAndQuery}`,
        headers: {
          ...headers,
          ...(length !== undefined && payload !== undefined
            ? { 'content-length': String(length) }
            : {}),
          authorization: `Bearer ${token.accessToken}`,
        },
        body: payload,
        timeoutMs: req.timeoutMs ?? PASS_THROUGH_TIMEOUT_MS,
        signal,
        route: req.route,
      });
      this.metrics.observeZoomCall(req.route, answer.status, (performance.now() - started) / 1_000);
      const inspected = INSPECTED_STATUSES.has(answer.status);
      if (!readWhole && !inspected && !isSmallBody(req.method, answer.status, answer.headers)) {
        return {
          status: answer.status,
          headers: answer.headers,
          data: undefined,
          raw: null,
          stream: answer.body,
        };
      }
      const raw = await readBody(answer.body, INSPECT_LIMIT_BYTES);
      return {
        status: answer.status,
        headers: answer.headers,
        // Only token refusals and rate limits are read by the gateway; the rest is relayed as bytes.
        data: inspected ? parseZoomJson(raw.toString('utf8')) : undefined,
        raw,
        stream: null,
      };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      this.metrics.observeZoomCall(req.route, 'error', (performance.now() - started) / 1_000);
      throw error;
    }
  }
}

/** A body the relay may buffer: announced, short, and one that exists (not HEAD, 204 or 304). */
function isSmallBody(method: string, status: number, headers: Record<string, string>): boolean {
  if (method === 'HEAD' || status === 204 || status === 304) return false;
  const length = Number(headers['content-length'] ?? Number.NaN);
  return Number.isInteger(length) && length <= BUFFERED_ANSWER_BYTES;
}

/**
 * The registrants a registration or status change names in its JSON body (`email`,
 * `registrants[].email`, or `registrants[].id` for status changes): Zoom counts its daily limits
 * per registrant. The body was parsed already (JSON is at most 1 MB); a stream names none.
 */
function registrantsOf(daily: string | null, body: unknown): string[] | undefined {
  if ((daily !== 'registrant' && daily !== 'registrant_status') || typeof body !== 'object')
    return undefined;
  if (body === null) return undefined;
  const names: string[] = [];
  const add = (entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) return;
    const value =
      'email' in entry && typeof entry.email === 'string'
        ? entry.email
        : 'id' in entry && typeof entry.id === 'string'
          ? entry.id
          : undefined;
    if (value !== undefined && value.length <= 320) names.push(value);
  };
  add(body);
  if ('registrants' in body && Array.isArray(body.registrants))
    for (const entry of body.registrants.slice(0, 1_000) as unknown[]) add(entry);
  return names;
}
