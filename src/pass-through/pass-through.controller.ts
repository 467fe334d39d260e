import { All, Controller, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { type AuthenticatedRequest, ZoomCall } from '../access/access.decorators.js';
import type { WithRawBody } from '../http/body-parsers.js';
import { CallerGone } from '../http/caller-gone.decorator.js';
import type { ZoomReply } from '../http/zoom-reply.js';
import { ZoomPassThroughService } from './pass-through.service.js';

/** Every `/v2` route the meetings controller does not own: Zoom's whole API through one door. */
@ApiExcludeController()
@ZoomCall()
@Controller('v2')
export class ZoomPassThroughController {
  constructor(private readonly passThrough: ZoomPassThroughService) {}

  @All('*')
  forward(
    @Req() request: FastifyRequest & AuthenticatedRequest & WithRawBody,
    @CallerGone() callerGone: AbortSignal,
  ): Promise<ZoomReply> {
    return this.passThrough.forward(request, callerGone);
  }
}
