import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type CredentialEventKind =
  'staged' | 'activated' | 'rejected' | 'abandoned' | 'retired' | 'rotation_failed';

/** The audit trail: who did what to which credential version, and why. Never a secret. */
@Entity('zoom_credential_events')
export class ZoomCredentialEventEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ type: 'integer', nullable: true })
  version: number | null;

  @Column({ type: 'varchar', length: 24 })
  event: CredentialEventKind;

  /** The caller's API key name, `cli:<user>`, `environment` or `automated-rotation`. */
  @Column({ type: 'varchar', length: 64 })
  actor: string;

  @Column({ type: 'varchar', length: 12, nullable: true })
  fingerprint: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  reason: string | null;

  @Column({ name: 'replica_id', type: 'varchar', length: 128 })
  replicaId: string;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;
}
