import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AccessPolicy, type ZoomEventTarget } from '../../access/access-policy.service.js';
import { Clock } from '../../common/clock.js';
import { AppConfig } from '../../config/app-config.js';
import type { WebhookDeliveryEntity } from '../events/webhook-delivery.entity.js';
import { eventArea, isMeetingArea, matchesEvent } from '../subscriptions/event-patterns.js';
import { patternsOf } from '../subscriptions/subscriptions.service.js';
import { SubscriptionsRepository } from '../subscriptions/subscriptions.repository.js';
import type { WebhookSubscriptionEntity } from '../subscriptions/webhook-subscription.entity.js';

/** The time a create's record may take to appear, as adoption waits for it (webhooks.service.ts). */
export const OWNER_GRACE_MS = 5_000;

export interface EventToDeliver {
  id: string;
  event: string;
  meetingId: string | null;
  eventAt: number;
}

/** What access decides an event on (delivery-worker.service.ts asks the same of a held delivery). */
export function targetOf(event: Pick<EventToDeliver, 'event' | 'meetingId'>): ZoomEventTarget {
  const area = eventArea(event.event);
  return { area, meetingId: event.meetingId, ownedArea: isMeetingArea(area) };
}

/**
 * Which subscriptions an event goes to: those whose patterns match its name and whose app may
 * see it (AccessPolicy.eventVisibility: grants for the event's area, and for `ownership=own` the
 * meeting's owner). An event about a meeting with no owner yet is held for an `own` app until
 * its create records it (OWNER_GRACE_MS), then delivered or dropped.
 */
@Injectable()
export class EventFanOut {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly access: AccessPolicy,
  ) {}

  /** Deliveries of a newly received event, to every active subscription that may have it. */
  async deliveriesFor(event: EventToDeliver): Promise<WebhookDeliveryEntity[]> {
    const active = await this.subscriptions.active();
    const target = targetOf(event);
    const rows: WebhookDeliveryEntity[] = [];
    for (const subscription of active) {
      const row = await this.deliveryOf(event, subscription, this.clock.now(), true, target);
      if (row) rows.push(row);
    }
    return rows;
  }

  /** One delivery of the event to the subscription, or null when it does not match or may not see it. */
  async deliveryOf(
    event: EventToDeliver,
    subscription: Pick<WebhookSubscriptionEntity, 'id' | 'app' | 'events'>,
    now: number,
    /** False for a replay: a past event about a meeting with no owner is not the app's. */
    waitForOwner = true,
    /** The same object for every subscription of one event, so its owner is looked up once. */
    target: ZoomEventTarget = targetOf(event),
  ): Promise<WebhookDeliveryEntity | null> {
    if (!matchesEvent(patternsOf(subscription), event.event)) return null;
    const visibility = await this.access.eventVisibility(subscription.app, target);
    if (visibility === 'hidden' || (visibility === 'unknown' && !waitForOwner)) return null;
    return {
      id: randomUUID(),
      subscriptionId: subscription.id,
      app: subscription.app,
      eventId: event.id,
      event: event.event,
      meetingId: event.meetingId,
      eventAt: new Date(event.eventAt),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: new Date(now),
      retryUntil: new Date(now + this.config.webhookRetryWindowSeconds * 1000),
      holdUntil: visibility === 'unknown' ? new Date(now + OWNER_GRACE_MS) : null,
      claimedBy: null,
      claimUntil: null,
      lastStatus: null,
      lastError: null,
      lastAttemptAt: null,
      deliveredAt: null,
      createdAt: new Date(now),
    };
  }
}
