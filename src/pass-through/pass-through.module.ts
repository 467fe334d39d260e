import { Module } from '@nestjs/common';
import { ZoomApiModule } from '../zoom/api/zoom-api.module.js';
import { ZoomCacheModule } from '../zoom/cache/zoom-cache.module.js';
import { ZoomPassThroughController } from './pass-through.controller.js';
import { ZoomPassThroughService } from './pass-through.service.js';

/**
 * The catch-all for `/v2`. AppModule imports it last: Nest registers routes in module order,
 * so the meetings routes (records, idempotency) match before this one.
 */
@Module({
  imports: [ZoomApiModule, ZoomCacheModule],
  controllers: [ZoomPassThroughController],
  providers: [ZoomPassThroughService],
})
export class ZoomPassThroughModule {}
