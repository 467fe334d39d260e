import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode, ZoomApiError } from '../../common/errors/index.js';
import { ZoomTokenService } from '../token/zoom-token.service.js';
import { RateLimitGovernor } from './rate-limit-governor.js';
import { describedRequest, ZoomAttempt } from './zoom-attempt.js';
import type { ZoomCallOptions, ZoomRequest, ZoomResponse } from './zoom-api.types.js';
import { zoomAnswerHeaders } from './zoom-headers.js';

// Read from here by many: Zoom's JSON (int64 ids exact) and query strings have their own file.
export { parseZoomJson, queryString } from './zoom-json.js';
export { zoomAnswerHeaders } from './zoom-headers.js';

interface ZoomErrorBody {
  code?: number;
  message?: string;
  errors?: { field: string; message: string }[];
}

/** A streamed body was refused with the token; it cannot be sent again, but the caller can. */
function unreplayable(req: ZoomRequest): DomainError {
  return new DomainError(
    ErrorCode.ZoomUnavailable,
    `Zoom refused the access token during ${req.route}; the token has been replaced, but the streamed request body cannot be sent again. Retry the request.`,
    { headers: { 'Retry-After': '1' } },
  );
}

/**
 * The one way to Zoom's REST API, for the meetings routes, the pass-through, jobs and probes:
 * one attempt (JSON or the caller's own bytes, answer read whole or relayed as a stream) with the
 * bearer, paced by the rate-limit governor, recovering once from a token Zoom stopped honouring,
 * labelled and counted from the route table, Zoom's errors mapped.
 */
@Injectable()
export class ZoomApiClient {
  constructor(
    private readonly attempt: ZoomAttempt,
    private readonly tokens: ZoomTokenService,
    private readonly governor: RateLimitGovernor,
  ) {}

  /** Resolves with Zoom's 2xx answer; throws ZoomApiError for Zoom's errors, DomainError otherwise. */
  async request<T>(req: ZoomRequest): Promise<ZoomResponse<T>> {
    const response = await this.call<T>(req, { answer: 'whole' });
    if (response.status >= 200 && response.status < 300) return response;
    throw this.zoomError(response);
  }

  /**
   * One call to Zoom with the fleet's token, paced by the governor, recovering once from a token
   * Zoom stopped honouring; resolves with whatever status Zoom answers. The attempt runs at most
   * twice, plus the governor's own retries after a per-second 429 unless `req.retryable` is false.
   */
  async call<T = unknown>(
    request: ZoomRequest,
    options: ZoomCallOptions,
  ): Promise<ZoomResponse<T>> {
    const req = describedRequest(request);
    const token = await this.tokens.getToken();
    const response = await this.governor.run(req, () => this.attempt.send<T>(req, token, options));
    // The token service owns the protocol: after each answer it says retry (once) or stop; it may
    // throw the rejected error. At most one retry, never a loop.
    const next = await this.tokens.onAnswer(token, response);
    if (!('retryWith' in next)) return response;
    if (req.retryable === false) throw unreplayable(req);
    // The first attempt already ran the caller's admission step: it runs once.
    const retry = await this.governor.run({ ...req, onAdmitted: undefined }, () =>
      this.attempt.send<T>(req, next.retryWith, options),
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
}
