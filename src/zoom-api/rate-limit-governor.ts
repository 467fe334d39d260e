import { Injectable } from '@nestjs/common';
import type { ZoomRequest, ZoomResponse } from './zoom-api.types.js';

/**
 * Paces calls to Zoom inside the account's per-second limits and its daily per-user limit.
 * Placeholder for issue 6: passes every call straight through. `run` receives one raw HTTP
 * attempt (which resolves with any status, 429 included) and resolves with the response to
 * use, or throws a DomainError(RateLimited, 429, Retry-After) when it refuses locally.
 */
@Injectable()
export class RateLimitGovernor {
  run<T>(_request: ZoomRequest, attempt: () => Promise<ZoomResponse<T>>): Promise<ZoomResponse<T>> {
    return attempt();
  }
}
