import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MeetingsModule } from '../meetings/meetings.module.js';
import { ZoomCacheModule } from '../zoom/cache/zoom-cache.module.js';
import { MeetingLifecycle } from '../meetings/meeting-lifecycle.service.js';
import { MEETING_RECORDS } from './meeting-records.port.js';
import { WebhookEventEntity } from './webhook-event.entity.js';
import { WebhookEventProcessor } from './webhook-event.processor.js';
import { WebhookEventStore } from './webhook-event.store.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';
import { MetricsModule } from '../metrics/metrics.module.js';

/** POST /webhooks/zoom: Zoom's signed events keep the meeting records true to Zoom. */
@Module({
  imports: [
    TypeOrmModule.forFeature([WebhookEventEntity]),
    MetricsModule,
    MeetingsModule,
    ZoomCacheModule,
  ],
  controllers: [WebhooksController],
  providers: [
    WebhooksService,
    WebhookEventStore,
    WebhookEventProcessor,
    // MeetingLifecycle has the three methods of the port; webhooks see nothing else of it.
    { provide: MEETING_RECORDS, useExisting: MeetingLifecycle },
  ],
})
export class WebhooksModule {}
