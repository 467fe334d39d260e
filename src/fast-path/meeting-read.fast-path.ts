import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import type { Request, Response } from 'express';
import type { IncomingMessage } from 'node:http';
import type { AuthenticatedRequest } from '../access/access.decorators.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { AllExceptionsFilter } from '../common/errors/all-exceptions.filter.js';
import { HttpLogger } from '../logging/logging.module.js';
import { parseGetQuery, parseMeetingId } from '../meetings/dto/meetings.validation.js';
import { ZoomMeetingsController } from '../meetings/zoom-meetings.controller.js';
import { RequestMetrics } from '../metrics/request-metrics.js';
import { setServerRoute } from '../tracing/server-route.js';
import { bypassesCache } from '../zoom/cache/zoom-read-cache.js';
import type { FastPath } from './fast-path.js';

/** `GET /v2/meetings/{digits}`, with or without a query; other spellings go through Express. */
const MEETING_READ = /^\/v2\/meetings\/(\d{1,20})(?:\?|$)/;
const ROUTE = '/v2/meetings/:meetingId';

/**
 * "Get a meeting", the call internal apps make most: the guard, then the controller's handler
 * with its own parsers, the one error filter, the request log line and the request metrics,
 * without Express's router and Nest's per-request pipeline (half the gateway's CPU on this
 * route). What it answers is what the Nest route answers, byte for byte.
 */
@Injectable()
export class MeetingReadFastPath implements FastPath, OnModuleInit {
  private controller!: ZoomMeetingsController;

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly guard: ApiKeyGuard,
    private readonly errors: AllExceptionsFilter,
    private readonly httpLogger: HttpLogger,
    private readonly requestMetrics: RequestMetrics,
  ) {}

  onModuleInit(): void {
    this.controller = this.moduleRef.get(ZoomMeetingsController, { strict: false });
  }

  matches(req: IncomingMessage): boolean {
    // A body (which Express would parse, and refuse when malformed) leaves it to Express.
    return (
      req.method === 'GET' &&
      MEETING_READ.test(req.url ?? '') &&
      req.headers['content-length'] === undefined &&
      req.headers['transfer-encoding'] === undefined
    );
  }

  serve(request: Request & AuthenticatedRequest, response: Response): void {
    this.httpLogger.run(request, response, () => {
      setServerRoute(ROUTE);
      this.requestMetrics.track(request, response, () => ROUTE);
      this.answer(request, response).catch((error: unknown) =>
        this.errors.send(error, request, response),
      );
    });
  }

  private async answer(request: Request & AuthenticatedRequest, response: Response): Promise<void> {
    // The route's guard, reading the route's own decorators (key, then the Zoom grant).
    this.guard.canActivate(
      // oxlint-disable-next-line typescript/unbound-method -- read for its decorators, as Nest reads it
      new ExecutionContextHost([request, response], ZoomMeetingsController, this.controller.get),
    );
    // The route's parameter parsers, in Nest's order, then its handler.
    const [, id] = MEETING_READ.exec(request.url) ?? [];
    const meetingId = parseMeetingId(id);
    const query = parseGetQuery(request.query);
    await this.controller.get(
      request.caller!,
      meetingId,
      query,
      bypassesCache(request.headers),
      response,
    );
  }
}
