import { Injectable } from '@nestjs/common';
import type { AuthenticatedCaller, Caller } from '../../access/caller.js';
import { AuditAction, AuditService } from '../../audit/audit.service.js';
import { Clock } from '../../common/clock.js';
import { DomainError, ErrorCode } from '../../common/errors/index.js';
import { fieldsInvalid } from '../../common/parse.js';
import { AppConfig } from '../../config/app-config.js';
import { WebhookEventStore } from '../events/webhook-event.store.js';
import type { DeliveryStatus, WebhookDeliveryEntity } from '../events/webhook-delivery.entity.js';
import { SubscriptionsService } from '../subscriptions/subscriptions.service.js';
import { DeliveriesRepository } from './deliveries.repository.js';
import { DeliveryWorker } from './delivery-worker.service.js';
import { EventFanOut } from './event-fan-out.js';

export interface DeliveryView {
  id: string;
  subscriptionId: string;
  app: string;
  eventId: string;
  event: string;
  meetingId: string | null;
  eventAt: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  retryUntil: string;
  lastStatus: number | null;
  lastError: string | null;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

export interface DeliveriesQuery {
  subscription?: string;
  status?: DeliveryStatus;
  cursor?: string;
  limit: number;
}

function view(row: WebhookDeliveryEntity): DeliveryView {
  return {
    id: row.id,
    subscriptionId: row.subscriptionId,
    app: row.app,
    eventId: row.eventId,
    event: row.event,
    meetingId: row.meetingId,
    eventAt: row.eventAt.toISOString(),
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
    retryUntil: row.retryUntil.toISOString(),
    lastStatus: row.lastStatus,
    lastError: row.lastError,
    lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

function cursorOf(row: WebhookDeliveryEntity): string {
  return Buffer.from(JSON.stringify({ t: row.createdAt.getTime(), id: row.id })).toString(
    'base64url',
  );
}

function parseCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      't' in parsed &&
      'id' in parsed &&
      typeof parsed.t === 'number' &&
      typeof parsed.id === 'string'
    )
      return { createdAt: new Date(parsed.t), id: parsed.id };
  } catch {
    // refused below
  }
  throw fieldsInvalid([{ field: 'cursor', message: 'Not a cursor this route gave.' }]);
}

/** Replay reads stored events a page at a time. */
const REPLAY_PAGE = 500;

/**
 * Deliveries as their apps see them (an app key its own; admin keys all), a failed one sent
 * again, and a subscription's stored events replayed since a time, in the order Zoom sent them.
 */
@Injectable()
export class DeliveriesService {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly deliveries: DeliveriesRepository,
    private readonly subscriptions: SubscriptionsService,
    private readonly events: WebhookEventStore,
    private readonly fanOut: EventFanOut,
    private readonly worker: DeliveryWorker,
    private readonly audit: AuditService,
  ) {}

  async list(
    caller: Caller,
    query: DeliveriesQuery,
  ): Promise<{ deliveries: DeliveryView[]; nextCursor: string | null }> {
    if (query.subscription !== undefined)
      await this.subscriptions.owned(caller, query.subscription);
    const rows = await this.deliveries.list({
      app: caller.admin ? undefined : caller.name,
      subscriptionId: query.subscription,
      status: query.status,
      before: query.cursor === undefined ? undefined : parseCursor(query.cursor),
      limit: query.limit,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      deliveries: page.map(view),
      nextCursor: rows.length > query.limit && last ? cursorOf(last) : null,
    };
  }

  /** A failed delivery pending again with a fresh retry window (409 unless it is failed). */
  async retry(caller: Caller, id: string): Promise<DeliveryView> {
    const row = await this.deliveries.findOne(id);
    if (!row || row.holdUntil !== null || (!caller.admin && row.app !== caller.name))
      throw DomainError.notFound(`Webhook delivery ${id} does not exist.`);
    const now = this.clock.now();
    const retried = await this.deliveries.retry(
      id,
      new Date(now),
      new Date(now + this.config.webhookRetryWindowSeconds * 1000),
    );
    if (!retried)
      throw new DomainError(
        ErrorCode.Conflict,
        `Webhook delivery ${id} is ${row.status}; only a failed delivery can be retried.`,
      );
    await this.audit.record({
      actor: caller.name,
      action: AuditAction.WebhookDeliveryRetried,
      target: id,
      details: { subscription: row.subscriptionId, event: row.event },
    });
    this.worker.nudge();
    const after = await this.deliveries.findOne(id);
    return view(after ?? row);
  }

  /**
   * Every stored event since `since` that the subscription matches and its app may see, as new
   * deliveries (new ids), delivered in the order Zoom sent them (per meeting, by event_ts).
   */
  async replay(
    caller: AuthenticatedCaller,
    subscriptionId: string,
    since: Date,
  ): Promise<{ queued: number }> {
    const subscription = await this.subscriptions.owned(caller, subscriptionId);
    let queued = 0;
    let after: { receivedAt: Date; id: string } | undefined;
    for (;;) {
      const page = await this.events.eventsSince(since, REPLAY_PAGE, after);
      const rows: WebhookDeliveryEntity[] = [];
      const now = this.clock.now();
      for (const event of page) {
        const row = await this.fanOut.deliveryOf(
          {
            id: event.id,
            event: event.event,
            meetingId: event.meetingId,
            eventAt: (event.eventAt ?? event.receivedAt).getTime(),
          },
          subscription,
          now,
          false,
        );
        if (row) rows.push(row);
      }
      await this.deliveries.insert(rows);
      queued += rows.length;
      const last = page.at(-1);
      if (!last || page.length < REPLAY_PAGE) break;
      after = { receivedAt: last.receivedAt, id: last.id };
    }
    await this.audit.record({
      actor: caller.name,
      action: AuditAction.WebhookSubscriptionReplayed,
      target: subscriptionId,
      details: { since: since.toISOString(), queued },
    });
    this.worker.nudge();
    return { queued };
  }
}
