import { type CanActivate, Injectable, type Type } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import type { Request, Response } from 'express';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { AllExceptionsFilter } from '../common/errors/all-exceptions.filter.js';
import { HttpLogger } from '../logging/logging.module.js';
import { RequestMetrics } from '../metrics/request-metrics.js';
import { setServerRoute } from '../tracing/server-route.js';

/** A controller's route handler (read for its decorators: grants, public, admin) and its own guards. */
export interface RouteTarget {
  controller: Type;
  handler: (...args: never[]) => unknown;
  guards?: readonly CanActivate[];
}

/**
 * What the app does around a route's handler, in Nest's order, for the fast paths: the request
 * log and its logger, the span's route, the request metrics, the global guard then the route's
 * own guards (reading the handler's decorators), and the one filter for any error.
 */
@Injectable()
export class FastPathRunner {
  constructor(
    private readonly httpLogger: HttpLogger,
    private readonly requestMetrics: RequestMetrics,
    private readonly apiKeyGuard: ApiKeyGuard,
    private readonly errors: AllExceptionsFilter,
  ) {}

  run(
    request: Request,
    response: Response,
    route: string,
    target: RouteTarget,
    handle: () => Promise<void>,
  ): void {
    // Every throw, even before the handler runs, ends as the filter's answer: a throw out of the
    // server's request listener would take the process down.
    const fail = (error: unknown) => this.errors.send(error, request, response);
    try {
      this.httpLogger.run(request, response, () => {
        void (async () => {
          setServerRoute(route);
          this.requestMetrics.track(request, response, () => route);
          const context = new ExecutionContextHost(
            [request, response],
            target.controller,
            target.handler,
          );
          await this.apiKeyGuard.canActivate(context);
          for (const guard of target.guards ?? []) await guard.canActivate(context);
          await handle();
        })().catch(fail);
      });
    } catch (error) {
      fail(error);
    }
  }
}
