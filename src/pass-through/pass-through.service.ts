import { Injectable, Logger } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedRequest } from '../access/access.decorators.js';
import { RetryBufferBudget } from '../admission/retry-buffer-budget.js';
import { ZoomApiClient } from '../zoom/api/zoom-api.client.js';
import type { ZoomRequest, ZoomResponse } from '../zoom/api/zoom-api.types.js';
import { describeZoomRoute } from '../zoom/api/zoom-routes.js';
import { bypassesCache, ZoomReadCache } from '../zoom/cache/zoom-read-cache.js';
import { OutgoingBody } from './outgoing-body.js';
import { forwardedRequestHeaders, relayedResponseHeaders } from '../zoom/api/zoom-headers.js';
import { requestZoomPath } from '../common/zoom-path.js';
import type { WithRawBody } from '../http/body-parsers.js';
import { ZoomReply } from '../http/zoom-reply.js';

/** Long enough for a large upload or a slow report; every pause in a streamed body has the same deadline. */
const PASS_THROUGH_TIMEOUT_MS = 60_000;

/**
 * Every `/v2` route the gateway does not handle itself, carried to Zoom unchanged (path, query,
 * body of any type, streamed) with the fleet's token, 401/124 recovery and the rate-limit
 * governor, and answered with Zoom's status, headers and body, streamed back.
 */
@Injectable()
export class ZoomPassThroughService {
  private readonly logger = new Logger('PassThrough');

  constructor(
    private readonly client: ZoomApiClient,
    private readonly cache: ZoomReadCache,
    private readonly retryBudget: RetryBufferBudget,
  ) {}

  async forward(
    request: FastifyRequest & AuthenticatedRequest & WithRawBody,
    callerGone: AbortSignal,
  ): Promise<ZoomReply> {
    const { path, search } = requestZoomPath(request);
    // A cacheable read is answered from the cache, or read whole from Zoom to be kept.
    const cacheable =
      request.method === 'GET' &&
      this.cache.enabled &&
      ZoomReadCache.resourceOf(path) !== undefined;
    if (cacheable) {
      const hit = await this.cache.read(path, search, bypassesCache(request.headers));
      if (hit) return new ZoomReply(200, hit.headers, hit.body);
    }
    const route = describeZoomRoute(request.method, path);
    const body = OutgoingBody.from(request.raw, request.rawBody, this.retryBudget);
    const zoomRequest: ZoomRequest = {
      method: request.method,
      path,
      rawQuery: search,
      registrants: registrantsOf(route.daily, request.body),
      zoomRoute: route,
      app: request.caller?.name,
      timeoutMs: PASS_THROUGH_TIMEOUT_MS,
      // Read after each attempt: a streamed body becomes replayable once it was captured whole.
      get retryable() {
        return body.replayable;
      },
    };
    let answer: ZoomResponse;
    try {
      answer = await this.client.call(zoomRequest, {
        payload: body,
        headers: forwardedRequestHeaders(request.headers),
        signal: callerGone,
        // A cacheable read is kept whole for the next reader; everything else is relayed.
        answer: cacheable ? 'whole' : 'relay',
      });
    } finally {
      body.release();
      if (body.copyDropped === 'over_budget')
        this.logger.warn(
          `${request.method} ${route.template}: body streamed without a retry copy (RETRY_BUFFER_BUDGET_MB reached); a refused token or a 429 is not retried`,
        );
    }
    if (cacheable && answer.raw)
      await this.cache.keep(
        path,
        search,
        {
          status: answer.status,
          contentType: answer.headers['content-type'] ?? '',
          body: answer.raw.toString('utf8'),
        },
        answer.headers,
      );
    else await this.cache.forget(request.method, path, answer.status);
    const relayed = relayedResponseHeaders(answer.headers);
    if (answer.raw) relayed['content-length'] = String(answer.raw.length);
    return new ZoomReply(answer.status, relayed, answer.raw ?? answer.stream);
  }
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
