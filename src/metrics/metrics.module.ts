import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';
import { MetricsPortServer } from './metrics-port.server.js';
import { MetricsService } from './metrics.service.js';
import { RequestMetrics } from './request-metrics.js';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, RequestMetrics, MetricsPortServer],
  exports: [MetricsService, RequestMetrics],
})
export class MetricsModule {}
