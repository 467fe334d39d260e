import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Request, Response } from 'express';
import type { AuthenticatedRequest } from '../access/access.decorators.js';
import { parseGetQuery, parseMeetingId } from '../meetings/dto/meetings.validation.js';
import { ZoomMeetingsController } from '../meetings/zoom-meetings.controller.js';
import { bypassesCache } from '../zoom/cache/zoom-read-cache.js';
import type { FastPath } from './fast-path.js';
import { FastPathRunner, type RouteTarget } from './fast-path-runner.js';

/**
 * "Get a meeting", the call internal apps make most: the route's guard, parameter parsers and
 * handler, without Express's router and Nest's per-request pipeline (half the gateway's CPU on
 * this route). It answers what the Nest route answers, byte for byte.
 */
@Injectable()
export class MeetingReadFastPath implements FastPath, OnModuleInit {
  readonly route = '/v2/meetings/:meetingId';
  private readonly target: RouteTarget = {
    controller: ZoomMeetingsController,
    // oxlint-disable-next-line typescript/unbound-method -- read for its decorators, as Nest reads it
    handler: ZoomMeetingsController.prototype.get,
  };
  private controller!: ZoomMeetingsController;

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly runner: FastPathRunner,
  ) {}

  onModuleInit(): void {
    this.controller = this.moduleRef.get(ZoomMeetingsController, { strict: false });
  }

  serve(request: Request & AuthenticatedRequest, response: Response): void {
    this.runner.run(request, response, this.route, this.target, async () => {
      // The route's parameter parsers, in Nest's order, then its handler.
      const meetingId = parseMeetingId(request.params.meetingId);
      const query = parseGetQuery(request.query);
      await this.controller.get(
        request.caller!,
        meetingId,
        query,
        bypassesCache(request.headers),
        response,
      );
    });
  }
}
