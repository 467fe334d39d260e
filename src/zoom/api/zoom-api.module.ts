import { Module } from '@nestjs/common';
import { ZoomAuthModule } from '../token/zoom-auth.module.js';
import { DailyBlocks } from './daily-blocks.js';
import { DailyLimits } from './daily-limits.js';
import { RateLimitGovernor } from './rate-limit-governor.js';
import { RateLimits } from './rate-limits.js';
import { ZoomApiClient } from './zoom-api.client.js';
import { ZoomHttpTransport } from './zoom-http.transport.js';
import { ZoomAttempt } from './zoom-attempt.js';
import { MetricsModule } from '../../metrics/metrics.module.js';

/**
 * The one way to Zoom's REST API: one attempt (ZoomAttempt) over one undici keep-alive pool
 * (ZoomHttpTransport, private here) for the meetings routes, the pass-through, jobs and the
 * doctor's probe; ZoomApiClient adds the fleet's token, 401 recovery and the governor.
 */
@Module({
  imports: [MetricsModule, ZoomAuthModule],
  providers: [
    RateLimits,
    DailyBlocks,
    DailyLimits,
    RateLimitGovernor,
    ZoomApiClient,
    ZoomHttpTransport,
    ZoomAttempt,
  ],
  exports: [ZoomApiClient, RateLimitGovernor, ZoomAttempt, DailyLimits, DailyBlocks, RateLimits],
})
export class ZoomApiModule {}
