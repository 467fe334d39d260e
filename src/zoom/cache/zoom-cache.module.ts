import { Module } from '@nestjs/common';
import { ZoomReadCache } from './zoom-read-cache.js';

/** The read-through cache of Zoom GETs, shared by the meetings routes, the pass-through and webhooks. */
@Module({
  providers: [ZoomReadCache],
  exports: [ZoomReadCache],
})
export class ZoomCacheModule {}
