import { Module } from '@nestjs/common';
import { AdmissionModule } from '../admission/admission.module.js';
import { ZoomApiModule } from '../zoom/api/zoom-api.module.js';
import { ZoomCacheModule } from '../zoom/cache/zoom-cache.module.js';
import { ZoomPassThroughController } from './pass-through.controller.js';
import { ZoomPassThroughService } from './pass-through.service.js';

/**
 * The catch-all for `/v2`: Fastify's router prefers any route that names the path (the meetings
 * routes: records, idempotency) over this wildcard, whatever the order they were registered in.
 */
@Module({
  imports: [AdmissionModule, ZoomApiModule, ZoomCacheModule],
  controllers: [ZoomPassThroughController],
  providers: [ZoomPassThroughService],
})
export class ZoomPassThroughModule {}
