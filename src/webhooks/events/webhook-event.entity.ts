import { Column, Entity, PrimaryColumn } from 'typeorm';

export type WebhookEventStatus = 'received' | 'processed' | 'ignored' | 'failed';

/** One Zoom event taken in; its id is the sha256 of the raw body, the same for every retry. */
@Entity('webhook_events')
export class WebhookEventEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  @Column({ type: 'varchar', length: 100 })
  event: string;

  @Column({ name: 'meeting_id', type: 'varchar', length: 20, nullable: true })
  meetingId: string | null;

  @Column({ type: 'varchar', length: 16, default: 'received' })
  status: WebhookEventStatus;

  @Column({ type: 'varchar', length: 500, nullable: true })
  detail: string | null;

  @Column({ name: 'received_at', type: Date })
  receivedAt: Date;

  @Column({ name: 'processed_at', type: Date, nullable: true })
  processedAt: Date | null;

  /** Zoom's bytes as received (UTF-8 JSON), kept to deliver, retry and replay; null for older rows. */
  @Column({ type: 'text', nullable: true })
  body: string | null;

  /** Zoom's `event_ts`, else when it arrived. */
  @Column({ name: 'event_at', type: Date, nullable: true })
  eventAt: Date | null;
}
