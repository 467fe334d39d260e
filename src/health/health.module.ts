import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuthHealthModule } from '../zoom/auth-health/auth-health.module.js';
import { DatabaseHealthIndicator } from './database.health.js';
import { DependencyMetrics } from './dependency.metrics.js';
import { HealthController } from './health.controller.js';
import { HealthService } from './health.service.js';
import { RedisHealthIndicator } from './redis.health.js';
import { ShutdownDrain } from './shutdown-drain.js';
import { ZoomHealthIndicator } from './zoom.health.js';
import { MetricsModule } from '../metrics/metrics.module.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), MetricsModule, AuthHealthModule],
  controllers: [HealthController],
  providers: [
    HealthService,
    DatabaseHealthIndicator,
    RedisHealthIndicator,
    ZoomHealthIndicator,
    DependencyMetrics,
    ShutdownDrain,
  ],
  // main.ts starts the drain at SIGTERM.
  exports: [ShutdownDrain],
})
export class HealthModule {}
