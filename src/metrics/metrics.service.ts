import { Injectable, Optional } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DomainError, ErrorCode } from '../common/errors/index.js';
import { AppConfig } from '../config/app-config.js';
import { scrapeAllowed } from './metrics-access.js';

/**
 * The gateway's one Prometheus registry. Modules ask it for their instruments by name, so
 * a counter is declared once even when several providers touch it.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status'>;

  /** Calls that reached Zoom's REST API (or failed to), by route template and status (`error` when no answer). */
  readonly zoomApiCalls: Counter<'route' | 'status'>;
  readonly zoomApiCallDuration: Histogram<'route' | 'status'>;

  // Optional so tests may build the registry alone; the app always provides the configuration.
  constructor(@Optional() private readonly config?: AppConfig) {
    collectDefaultMetrics({ register: this.registry });
    this.httpRequestDuration = this.histogram(
      'http_request_duration_seconds',
      'Gateway HTTP requests by route template and status',
      ['method', 'route', 'status'],
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    );
    this.zoomApiCalls = this.counter(
      'zoom_api_calls_total',
      "Calls to Zoom's REST API by route template and status",
      ['route', 'status'],
    );
    this.zoomApiCallDuration = this.histogram(
      'zoom_api_call_duration_seconds',
      "Latency of calls to Zoom's REST API by route template and status",
      ['route', 'status'],
      [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    );
  }

  /**
   * The Prometheus text for a scrape on the API's port (`api`) or on METRICS_PORT: with
   * METRICS_PORT set the API's port has no /metrics; with METRICS_TOKEN a scrape needs it.
   */
  async scrape(authorization: unknown, where: 'api' | 'metrics-port'): Promise<string> {
    if (where === 'api' && this.config?.metricsPort !== undefined)
      throw new DomainError(ErrorCode.RouteNotFound, 'No route for GET /metrics on this port.');
    if (!scrapeAllowed(this.config?.metricsToken, authorization))
      throw new DomainError(
        ErrorCode.Unauthorized,
        'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>.',
      );
    return this.registry.metrics();
  }

  /** One call to Zoom's REST API: `status` is Zoom's HTTP status, or `error` when it never answered. */
  observeZoomCall(route: string, status: number | 'error', seconds: number): void {
    const labels = { route, status: String(status) };
    this.zoomApiCalls.inc(labels);
    this.zoomApiCallDuration.observe(labels, seconds);
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    const existing = this.registry.getSingleMetric(name);
    // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- one name, one instrument and label set
    if (existing) return existing as Counter<L>;
    return new Counter({ name, help, labelNames: [...labelNames], registers: [this.registry] });
  }

  /** `collect` runs at every scrape, for gauges that mirror state rather than count events. */
  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    collect?: (gauge: Gauge<L>) => void | Promise<void>,
  ): Gauge<L> {
    const existing = this.registry.getSingleMetric(name);
    // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- one name, one instrument and label set
    if (existing) return existing as Gauge<L>;
    return new Gauge<L>({
      name,
      help,
      labelNames: [...labelNames],
      registers: [this.registry],
      ...(collect
        ? {
            collect(this: Gauge<L>) {
              return collect(this);
            },
          }
        : {}),
    });
  }

  histogram<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    buckets?: number[],
  ): Histogram<L> {
    const existing = this.registry.getSingleMetric(name);
    // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- one name, one instrument and label set
    if (existing) return existing as Histogram<L>;
    return new Histogram({
      name,
      help,
      labelNames: [...labelNames],
      buckets,
      registers: [this.registry],
    });
  }
}
