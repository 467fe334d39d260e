import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { ZoomAuthModule } from '../token/zoom-auth.module.js';
import { DailyBlocks } from './daily-blocks.js';
import { RateLimitGovernor } from './rate-limit-governor.js';
import { RateLimits } from './rate-limits.js';
import { ZoomApiClient } from './zoom-api.client.js';
import { ZoomHttpTransport } from './zoom-http.transport.js';

/** The one HTTP client for Zoom's REST API (keep-alive connections, bearer injection, 401 recovery). */
@Module({
  imports: [
    HttpModule.register({
      // Reuse connections: a TLS handshake per call would dominate latency under load.
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 256 }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 256 }),
      maxRedirects: 0,
    }),
    ZoomAuthModule,
  ],
  providers: [RateLimits, DailyBlocks, RateLimitGovernor, ZoomApiClient, ZoomHttpTransport],
  exports: [ZoomApiClient, RateLimitGovernor, ZoomHttpTransport],
})
export class ZoomApiModule {}
