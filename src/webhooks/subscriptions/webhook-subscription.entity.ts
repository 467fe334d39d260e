import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An app's URL for Zoom's events: which ones (patterns), and the secret that signs them. */
@Entity('webhook_subscriptions')
export class WebhookSubscriptionEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** The app (API key name) that receives; what it receives is bounded by its grants. */
  @Column({ type: 'varchar', length: 64 })
  app: string;

  @Column({ type: 'varchar', length: 2048 })
  url: string;

  /** JSON array of event patterns. */
  @Column({ type: 'text' })
  events: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  description: string | null;

  @Column({ name: 'paused_at', type: Date, nullable: true })
  pausedAt: Date | null;

  /** Encrypted; signs deliveries (until `secretSwitchAt` when a rotation is in its overlap). */
  @Column({ type: 'text' })
  secret: string;

  /** Encrypted; the rotated-to secret, signing from `secretSwitchAt` on. */
  @Column({ name: 'next_secret', type: 'text', nullable: true })
  nextSecret: string | null;

  @Column({ name: 'secret_switch_at', type: Date, nullable: true })
  secretSwitchAt: Date | null;

  /** Set by the first failed attempt after a success; cleared by the next success. */
  @Column({ name: 'failing_since', type: Date, nullable: true })
  failingSince: Date | null;

  @Column({ name: 'last_success_at', type: Date, nullable: true })
  lastSuccessAt: Date | null;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  @Column({ name: 'updated_at', type: Date })
  updatedAt: Date;
}
