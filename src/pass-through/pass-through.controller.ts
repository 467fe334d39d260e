import { All, Controller, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { PassThroughAccessGuard } from './pass-through-access.guard.js';
import { ZoomPassThroughService } from './pass-through.service.js';

/** Every `/v2` route the meetings controller does not own: Zoom's whole API through one door. */
@ApiExcludeController()
@UseGuards(PassThroughAccessGuard)
@Controller('v2')
export class ZoomPassThroughController {
  constructor(private readonly passThrough: ZoomPassThroughService) {}

  @All('*path')
  forward(@Req() request: Request, @Res() response: Response): Promise<void> {
    return this.passThrough.forward(request, response);
  }
}
