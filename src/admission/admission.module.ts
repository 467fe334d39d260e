import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { Admission } from './admission.service.js';
import { BodyDeadlines } from './body-deadlines.js';
import { InflightLimits } from './inflight-limits.js';
import { RetryBufferBudget } from './retry-buffer-budget.js';
import { MetricsModule } from '../metrics/metrics.module.js';

/** One app must not hurt another: keys before bodies, in-flight caps, body deadlines, a retry memory budget. */
@Module({
  imports: [MetricsModule, AuthModule],
  providers: [Admission, BodyDeadlines, InflightLimits, RetryBufferBudget],
  exports: [Admission, BodyDeadlines, InflightLimits, RetryBufferBudget],
})
export class AdmissionModule {}
