import { Module } from '@nestjs/common';
import { ZoomAuthModule } from '../token/zoom-auth.module.js';
import { DailyBlocks } from './daily-blocks.js';
import { DailyLimits } from './daily-limits.js';
import { RateLimitGovernor } from './rate-limit-governor.js';
import { RateLimits } from './rate-limits.js';
import { ZoomApiClient } from './zoom-api.client.js';
import { ZoomHttpTransport } from './zoom-http.transport.js';

/**
 * The one HTTP client for Zoom's REST API: one undici keep-alive pool (ZoomHttpTransport) for the
 * meetings routes and the pass-through alike, bearer injection, 401 recovery, the governor.
 */
@Module({
  imports: [ZoomAuthModule],
  providers: [
    RateLimits,
    DailyBlocks,
    DailyLimits,
    RateLimitGovernor,
    ZoomApiClient,
    ZoomHttpTransport,
  ],
  exports: [
    ZoomApiClient,
    RateLimitGovernor,
    ZoomHttpTransport,
    DailyLimits,
    DailyBlocks,
    RateLimits,
  ],
})
export class ZoomApiModule {}
