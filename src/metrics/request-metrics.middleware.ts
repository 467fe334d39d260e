import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { AuthenticatedRequest } from '../access/access.decorators.js';
import { RequestMetrics } from './request-metrics.js';

/** The route template Express matched, once it has: `unmatched` for a 404. */
function routeOf(request: Request): string {
  const matched: unknown = request.route;
  return typeof matched === 'object' &&
    matched !== null &&
    'path' in matched &&
    typeof matched.path === 'string'
    ? matched.path
    : 'unmatched';
}

/**
 * Every request Express serves, counted by RequestMetrics. A middleware, not an interceptor:
 * the guard's refusals (401, 403) happen before interceptors run and are counted too.
 */
@Injectable()
export class RequestMetricsMiddleware implements NestMiddleware {
  constructor(private readonly requests: RequestMetrics) {}

  use(request: Request & AuthenticatedRequest, response: Response, next: NextFunction): void {
    this.requests.track(request, response, () => routeOf(request));
    next();
  }
}
