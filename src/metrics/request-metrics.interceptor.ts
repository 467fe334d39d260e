import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Counter, Histogram } from 'prom-client';
import type { Observable } from 'rxjs';
import { MetricsService } from './metrics.service.js';

/** How an app's request ended, as an operator asks "whose burst was it, and who suffered?". */
function outcomeOf(response: Response): string {
  const status = response.statusCode;
  if (status === 429)
    return response.getHeader('x-gateway-refusal') ? 'local_rate_limited' : 'zoom_rate_limited';
  if (status >= 500) return 'server_error';
  if (status >= 400) return 'client_error';
  return 'ok';
}

/** The app (API key's name) a request was made by, once the guard let it in. */
function appOf(request: Request): string | undefined {
  const caller: unknown = 'caller' in request ? request.caller : undefined;
  return typeof caller === 'object' &&
    caller !== null &&
    'name' in caller &&
    typeof caller.name === 'string'
    ? caller.name
    : undefined;
}

/**
 * Request durations by route template (not raw path, so ids do not explode the label set), and
 * per app: calls by outcome (ok, errors, the gateway's own 429s and Zoom's) and latency.
 */
@Injectable()
export class RequestMetricsInterceptor implements NestInterceptor {
  private readonly appRequests: Counter<'app' | 'outcome'>;
  private readonly appDuration: Histogram<'app'>;

  constructor(private readonly metrics: MetricsService) {
    this.appRequests = metrics.counter(
      'zoom_gateway_app_requests_total',
      'Requests per app (API key name) by outcome: ok, client_error, server_error, local_rate_limited, zoom_rate_limited',
      ['app', 'outcome'],
    );
    this.appDuration = metrics.histogram(
      'zoom_gateway_app_request_duration_seconds',
      'Latency of requests per app (API key name)',
      ['app'],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60],
    );
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const stop = this.metrics.httpRequestDuration.startTimer();
    const started = performance.now();
    response.once('finish', () => {
      const app = appOf(request);
      if (app) {
        this.appRequests.inc({ app, outcome: outcomeOf(response) });
        this.appDuration.observe({ app }, (performance.now() - started) / 1_000);
      }
      const matched: unknown = request.route;
      const route =
        typeof matched === 'object' &&
        matched !== null &&
        'path' in matched &&
        typeof matched.path === 'string'
          ? matched.path
          : 'unmatched';
      stop({ method: request.method, route, status: String(response.statusCode) });
    });
    return next.handle();
  }
}
