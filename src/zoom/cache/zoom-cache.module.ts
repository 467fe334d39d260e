import { Module } from '@nestjs/common';
import { ZoomReadCache } from './zoom-read-cache.js';
import { MetricsModule } from '../../metrics/metrics.module.js';

/** The read-through cache of Zoom GETs, shared by the meetings routes, the pass-through and webhooks. */
@Module({
  imports: [MetricsModule],
  providers: [ZoomReadCache],
  exports: [ZoomReadCache],
})
export class ZoomCacheModule {}
