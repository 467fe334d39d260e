import { inTransaction } from '../../database/transaction.js';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '../../common/clock.js';
import { WebhookDeliveryEntity } from './webhook-delivery.entity.js';
import { WebhookEventEntity, type WebhookEventStatus } from './webhook-event.entity.js';

export interface NewWebhookEvent {
  id: string;
  event: string;
  meetingId: string | null;
  /** Zoom's bytes (UTF-8 JSON), kept to pass on. */
  body: string;
  /** Zoom's event_ts (ms), else now. */
  eventAt: number;
}

/** A stored event as replay reads it (without its bytes). */
export type StoredEvent = Pick<
  WebhookEventEntity,
  'id' | 'event' | 'meetingId' | 'eventAt' | 'receivedAt'
>;

/** SQLite keeps timestamps as UTC text, `YYYY-MM-DD HH:MM:SS.SSS`, the same as its column default. */
function sqliteTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/**
 * Inserts deliveries a few hundred at a time (SQLite takes at most 32766 bound parameters per
 * statement), without reading them back: TypeORM would otherwise re-select each batch (and on
 * SQLite merge the rows into the wrong objects).
 */
export async function insertDeliveries(
  manager: EntityManager,
  rows: readonly WebhookDeliveryEntity[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += 200)
    await manager
      .createQueryBuilder()
      .insert()
      .into(WebhookDeliveryEntity)
      .values(rows.slice(i, i + 200))
      .updateEntity(false)
      .execute();
}

/**
 * The record of Zoom events taken in. `claim` is the dedupe: one atomic insert-if-absent on
 * the primary key, so of several concurrent deliveries of one event (retries, replicas) exactly
 * one wins, on SQLite and PostgreSQL alike.
 */
@Injectable()
export class WebhookEventStore {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  private get postgres(): boolean {
    return this.dataSource.options.type === 'postgres';
  }

  /**
   * True when this event is new: its bytes are now stored as `received`, with its deliveries
   * (one transaction: an event is never stored without them); false when it was seen before.
   */
  async claim(
    event: NewWebhookEvent,
    deliveries: readonly WebhookDeliveryEntity[] = [],
  ): Promise<boolean> {
    const now = this.clock.now();
    return inTransaction(this.dataSource, async (manager) => {
      const rows: unknown = this.postgres
        ? await manager.query(
            `INSERT INTO webhook_events (id, event, meeting_id, status, received_at, body, event_at)
             VALUES ($1, $2, $3, 'received', $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING id`,
            [
              event.id,
              event.event,
              event.meetingId,
              new Date(now),
              event.body,
              new Date(event.eventAt),
            ],
          )
        : await manager.query(
            `INSERT INTO webhook_events (id, event, meeting_id, status, received_at, body, event_at)
             VALUES (?, ?, ?, 'received', ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING id`,
            [
              event.id,
              event.event,
              event.meetingId,
              sqliteTimestamp(now),
              event.body,
              sqliteTimestamp(event.eventAt),
            ],
          );
      const won = Array.isArray(rows) && rows.length === 1;
      if (won) await insertDeliveries(manager, deliveries);
      return won;
    });
  }

  /** Stored events received since `since`, oldest first, a page at a time (after `afterId` at the same time). */
  eventsSince(
    since: Date,
    limit: number,
    after?: { receivedAt: Date; id: string },
  ): Promise<StoredEvent[]> {
    const query = this.dataSource
      .getRepository(WebhookEventEntity)
      .createQueryBuilder('e')
      .select(['e.id', 'e.event', 'e.meetingId', 'e.eventAt', 'e.receivedAt'])
      .where('e.received_at >= :since', { since })
      .andWhere('e.body IS NOT NULL')
      .orderBy('e.received_at', 'ASC')
      .addOrderBy('e.id', 'ASC')
      .limit(limit);
    if (after)
      query.andWhere('(e.received_at > :at OR (e.received_at = :at AND e.id > :id))', {
        at: after.receivedAt,
        id: after.id,
      });
    return query.getMany();
  }

  /** Records how processing ended; the row stays so later deliveries of the event are still refused. */
  async complete(
    id: string,
    status: Exclude<WebhookEventStatus, 'received'>,
    detail?: string,
  ): Promise<void> {
    await this.dataSource.getRepository(WebhookEventEntity).update(
      { id },
      {
        status,
        detail: detail ? detail.slice(0, 500) : null,
        processedAt: new Date(this.clock.now()),
      },
    );
  }

  find(id: string): Promise<WebhookEventEntity | null> {
    return this.dataSource.getRepository(WebhookEventEntity).findOneBy({ id });
  }

  /** Events received before the cutoff and never completed: their process stopped mid-way. */
  async countUnfinished(receivedBefore: number): Promise<number> {
    return this.dataSource
      .getRepository(WebhookEventEntity)
      .createQueryBuilder('e')
      .where('e.status = :status', { status: 'received' })
      .andWhere('e.received_at < :cutoff', { cutoff: new Date(receivedBefore) })
      .getCount();
  }

  /** Deletes rows received before the cutoff that no pending delivery still needs; answers how many. */
  async prune(receivedBefore: number): Promise<number> {
    const result = await this.dataSource
      .createQueryBuilder()
      .delete()
      .from(WebhookEventEntity)
      .where('received_at < :cutoff', { cutoff: new Date(receivedBefore) })
      .andWhere(
        "NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id AND d.status = 'pending')",
      )
      .execute();
    return result.affected ?? 0;
  }
}
