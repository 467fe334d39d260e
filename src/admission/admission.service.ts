import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedRequest } from '../access/access.decorators.js';
import { RequestCallers } from '../access/request-callers.js';
import { ZOOM_SURFACE } from '../common/zoom-path.js';
import { hasBody } from './body-deadlines.js';
import { InflightLimits } from './inflight-limits.js';

/** The only routes that take a body without an API key: Zoom's events, signed by Zoom instead. */
const SIGNED_INSTEAD = /^\/webhooks\//i;

/**
 * What a request must pass before its body is read: its API key (a body from an unknown
 * caller is never parsed: 401 first), and for a `/v2` call a place within its app's in-flight
 * cap, held until its answer has gone. Grants and ownership are decided later, by the guards,
 * on the same caller.
 */
@Injectable()
export class Admission {
  constructor(
    private readonly callers: RequestCallers,
    private readonly inflight: InflightLimits,
  ) {}

  async beforeBody(
    request: FastifyRequest & AuthenticatedRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const zoomCall = ZOOM_SURFACE.test(request.url);
    if (!zoomCall && (!hasBody(request.raw) || SIGNED_INSTEAD.test(request.url))) return;
    const caller = await this.callers.callerOf(request);
    request.caller = caller;
    if (!zoomCall) return;
    const leave = this.inflight.enter(caller.name);
    reply.raw.once('close', leave);
  }
}
