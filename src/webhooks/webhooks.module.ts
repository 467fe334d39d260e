import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { MeetingLifecycle } from '../meetings/meeting-lifecycle.service.js';
import { MeetingsModule } from '../meetings/meetings.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { ZoomCacheModule } from '../zoom/cache/zoom-cache.module.js';
import { DeliveriesController } from './delivery/deliveries.controller.js';
import { DeliveriesRepository } from './delivery/deliveries.repository.js';
import { DeliveriesService } from './delivery/deliveries.service.js';
import { DeliveryMetrics } from './delivery/delivery-metrics.js';
import { DeliverySender } from './delivery/delivery-sender.js';
import { DeliveryWorker } from './delivery/delivery-worker.service.js';
import { EventFanOut } from './delivery/event-fan-out.js';
import { SubscriberBreakers } from './delivery/subscriber-breakers.js';
import { WebhookDeliveryEntity } from './events/webhook-delivery.entity.js';
import { WebhookEventEntity } from './events/webhook-event.entity.js';
import { WebhookEventStore } from './events/webhook-event.store.js';
import { MEETING_RECORDS } from './meeting-records.port.js';
import { SubscriptionSecrets } from './subscriptions/subscription-secrets.js';
import { SubscriptionsController } from './subscriptions/subscriptions.controller.js';
import { SubscriptionsRepository } from './subscriptions/subscriptions.repository.js';
import { SubscriptionsService } from './subscriptions/subscriptions.service.js';
import { WebhookSubscriptionEntity } from './subscriptions/webhook-subscription.entity.js';
import { WebhookEventProcessor } from './webhook-event.processor.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';

/**
 * Zoom's events: taken in at POST /webhooks/zoom (signed by Zoom), kept, applied to the meeting
 * records, and passed on to the internal apps that subscribed (subscriptions/, delivery/).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([
      WebhookEventEntity,
      WebhookSubscriptionEntity,
      WebhookDeliveryEntity,
    ]),
    MetricsModule,
    MeetingsModule,
    ZoomCacheModule,
    AuditModule,
  ],
  controllers: [WebhooksController, SubscriptionsController, DeliveriesController],
  providers: [
    WebhooksService,
    WebhookEventStore,
    WebhookEventProcessor,
    SubscriptionsRepository,
    SubscriptionsService,
    SubscriptionSecrets,
    DeliveriesRepository,
    DeliveriesService,
    DeliverySender,
    DeliveryWorker,
    DeliveryMetrics,
    EventFanOut,
    SubscriberBreakers,
    // MeetingLifecycle has the three methods of the port; webhooks see nothing else of it.
    { provide: MEETING_RECORDS, useExisting: MeetingLifecycle },
  ],
})
export class WebhooksModule {}
