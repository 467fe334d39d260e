import { Injectable } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { Counter, Histogram } from 'prom-client';
import type { AuthenticatedRequest } from '../access/access.decorators.js';
import { MetricsService } from './metrics.service.js';

/** How an app's request ended, as an operator asks "whose burst was it, and who suffered?". */
function outcomeOf(response: ServerResponse): string {
  const status = response.statusCode;
  if (status === 429)
    return response.getHeader('x-gateway-refusal') ? 'local_rate_limited' : 'zoom_rate_limited';
  if (status >= 500) return 'server_error';
  if (status >= 400) return 'client_error';
  return 'ok';
}

/**
 * Request durations by route template (not raw path, so ids do not explode the label set), and
 * per app: calls by outcome (ok, errors, the gateway's own 429s and Zoom's) and latency. Counted from
 * the HTTP pipeline's first hook, so the guard's refusals (401, 403) are counted too.
 */
@Injectable()
export class RequestMetrics {
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

  /** Counts the request once it is answered; `routeOf` names its route template then. */
  track(
    request: { method: string } & AuthenticatedRequest,
    response: ServerResponse,
    routeOf: () => string,
  ): void {
    const stop = this.metrics.httpRequestDuration.startTimer();
    const started = performance.now();
    response.once('finish', () => {
      const app = request.caller?.name;
      if (app) {
        this.appRequests.inc({ app, outcome: outcomeOf(response) });
        this.appDuration.observe({ app }, (performance.now() - started) / 1_000);
      }
      stop({ method: request.method, route: routeOf(), status: String(response.statusCode) });
    });
  }
}
