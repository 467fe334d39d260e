import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { WebhookEventEntity, type WebhookEventStatus } from './webhook-event.entity.js';

export interface NewWebhookEvent {
  id: string;
  event: string;
  meetingId: string | null;
}

/** SQLite keeps timestamps as UTC text, `YYYY-MM-DD HH:MM:SS.SSS`, the same as its column default. */
function sqliteTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
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

  /** True when this event is new and now recorded as `received`; false when it was seen before. */
  async claim(event: NewWebhookEvent): Promise<boolean> {
    const now = this.clock.now();
    const rows: unknown = this.postgres
      ? await this.dataSource.query(
          `INSERT INTO webhook_events (id, event, meeting_id, status, received_at) VALUES ($1, $2, $3, 'received', $4)
           ON CONFLICT (id) DO NOTHING RETURNING id`,
          [event.id, event.event, event.meetingId, new Date(now)],
        )
      : await this.dataSource.query(
          `INSERT INTO webhook_events (id, event, meeting_id, status, received_at) VALUES (?, ?, ?, 'received', ?)
           ON CONFLICT (id) DO NOTHING RETURNING id`,
          [event.id, event.event, event.meetingId, sqliteTimestamp(now)],
        );
    return Array.isArray(rows) && rows.length === 1;
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

  /** Deletes rows received before the cutoff; answers how many. */
  async prune(receivedBefore: number): Promise<number> {
    const result = await this.dataSource
      .createQueryBuilder()
      .delete()
      .from(WebhookEventEntity)
      .where('received_at < :cutoff', { cutoff: new Date(receivedBefore) })
      .execute();
    return result.affected ?? 0;
  }
}
