import { Column, Entity, PrimaryColumn } from 'typeorm';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One stored Zoom event to one subscription: attempted until delivered or its window ends. */
@Entity('webhook_deliveries')
export class WebhookDeliveryEntity {
  /** The same on every attempt (`x-zoom-gateway-delivery`). */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'subscription_id', type: 'varchar', length: 36 })
  subscriptionId: string;

  @Column({ type: 'varchar', length: 64 })
  app: string;

  /** webhook_events.id: the sha256 of Zoom's bytes. */
  @Column({ name: 'event_id', type: 'varchar', length: 64 })
  eventId: string;

  @Column({ type: 'varchar', length: 100 })
  event: string;

  /** The order key: one meeting's deliveries to one subscription go one after another. */
  @Column({ name: 'meeting_id', type: 'varchar', length: 20, nullable: true })
  meetingId: string | null;

  /** Zoom's `event_ts` (else when it arrived): the order within a meeting. */
  @Column({ name: 'event_at', type: Date })
  eventAt: Date;

  @Column({ type: 'varchar', length: 16 })
  status: DeliveryStatus;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'next_attempt_at', type: Date })
  nextAttemptAt: Date;

  @Column({ name: 'retry_until', type: Date })
  retryUntil: Date;

  /** While set, the app's ownership of the meeting is not known yet (its create is in flight). */
  @Column({ name: 'hold_until', type: Date, nullable: true })
  holdUntil: Date | null;

  @Column({ name: 'claimed_by', type: 'varchar', length: 64, nullable: true })
  claimedBy: string | null;

  @Column({ name: 'claim_until', type: Date, nullable: true })
  claimUntil: Date | null;

  @Column({ name: 'last_status', type: 'integer', nullable: true })
  lastStatus: number | null;

  /** What went wrong, or the start of the receiver's answer; never more than a short excerpt. */
  @Column({ name: 'last_error', type: 'varchar', length: 300, nullable: true })
  lastError: string | null;

  @Column({ name: 'last_attempt_at', type: Date, nullable: true })
  lastAttemptAt: Date | null;

  @Column({ name: 'delivered_at', type: Date, nullable: true })
  deliveredAt: Date | null;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;
}
