import { All, Controller, Req, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedRequest } from '../access/access.decorators.js';
import type { WithRawBody } from '../http/body-parsers.js';
import { CallerGone } from '../http/caller-gone.decorator.js';
import type { ZoomReply } from '../http/zoom-reply.js';
import { PassThroughAccessGuard } from './pass-through-access.guard.js';
import { ZoomPassThroughService } from './pass-through.service.js';

/** Every `/v2` route the meetings controller does not own: Zoom's whole API through one door. */
@ApiExcludeController()
@UseGuards(PassThroughAccessGuard)
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
