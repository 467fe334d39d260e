import { Injectable, Optional } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ZOOM_SURFACE } from '../common/zoom-path.js';
import type { AuthenticatedCaller } from './caller.js';
import { CallerIdentity, SessionIdentity } from './ports.js';

/**
 * The one reading of who a request's caller is, for Admission (before a body) and the guard: an
 * `Authorization` header is a key, always; without one, a console session cookie (never for a
 * `/v2` call: the console calls the gateway's own API, not Zoom's), else the key's 401.
 */
@Injectable()
export class RequestCallers {
  constructor(
    private readonly identity: CallerIdentity,
    @Optional() private readonly sessions?: SessionIdentity,
  ) {}

  async callerOf(
    request: Pick<FastifyRequest, 'headers' | 'method' | 'url'>,
  ): Promise<AuthenticatedCaller> {
    const { authorization, cookie } = request.headers;
    if (authorization === undefined && cookie && this.sessions && !ZOOM_SURFACE.test(request.url)) {
      const csrf = request.headers['x-csrf-token'];
      const caller = await this.sessions.callerForSession({
        cookie,
        method: request.method,
        csrfToken: typeof csrf === 'string' ? csrf : undefined,
      });
      if (caller) return caller;
    }
    return this.identity.callerFor(authorization);
  }
}
