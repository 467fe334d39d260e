import { Global, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';
import { MetricsPortServer } from './metrics-port.server.js';
import { MetricsService } from './metrics.service.js';
import { RequestMetrics } from './request-metrics.js';
import { RequestMetricsMiddleware } from './request-metrics.middleware.js';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, RequestMetrics, MetricsPortServer],
  exports: [MetricsService, RequestMetrics],
})
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestMetricsMiddleware).forRoutes('*');
  }
}
