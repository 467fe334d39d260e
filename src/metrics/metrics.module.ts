import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';
import { MetricsPortServer } from './metrics-port.server.js';
import { MetricsService } from './metrics.service.js';
import { RequestMetrics } from './request-metrics.js';

/**
 * The Prometheus registry, per-app request metrics and `/metrics` (also on METRICS_PORT).
 * Imported by each module whose services count something (meetings, webhooks, health,
 * admission, zoom/api, zoom/token, zoom/cache, zoom/auth-health); the request pipeline reads
 * RequestMetrics from the application.
 */
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, RequestMetrics, MetricsPortServer],
  exports: [MetricsService, RequestMetrics],
})
export class MetricsModule {}
