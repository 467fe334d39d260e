import { Column, Entity, PrimaryColumn } from 'typeorm';

export type MeetingStatus = 'creating' | 'active' | 'deleted' | 'failed';
export const MEETING_STATUSES: readonly MeetingStatus[] = [
  'creating',
  'active',
  'deleted',
  'failed',
];

/**
 * The gateway's record of one meeting it created (or tried to). Written `creating` before
 * the call to Zoom, so a crash in between leaves a visible row for reconciliation.
 */
@Entity('meetings')
export class MeetingEntity {
  /** The record's own id: the Zoom id is unknown until Zoom answers. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** Zoom's int64 meeting id, always a decimal string in JS (bigint on PostgreSQL, text on SQLite). */
  @Column({ name: 'zoom_meeting_id', type: 'bigint', nullable: true })
  zoomMeetingId: string | null;

  @Column({ name: 'zoom_uuid', type: 'varchar', length: 128, nullable: true })
  zoomUuid: string | null;

  /** The `userId` the caller created it for, as given (`me`, an email or a user id). */
  @Column({ name: 'host_user', type: 'varchar', length: 128 })
  hostUser: string;

  @Column({ name: 'host_id', type: 'varchar', length: 64, nullable: true })
  hostId: string | null;

  @Column({ name: 'host_email', type: 'varchar', length: 256, nullable: true })
  hostEmail: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  topic: string | null;

  @Column({ type: 'integer', nullable: true })
  type: number | null;

  @Column({ name: 'start_time', type: Date, nullable: true })
  startTime: Date | null;

  @Column({ type: 'integer', nullable: true })
  duration: number | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  timezone: string | null;

  @Column({ name: 'join_url', type: 'varchar', length: 1024, nullable: true })
  joinUrl: string | null;

  @Column({ type: 'varchar', length: 16 })
  status: MeetingStatus;

  /** The API key name of the caller that asked for it. */
  @Column({ name: 'created_by', type: 'varchar', length: 64 })
  createdBy: string;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  @Column({ name: 'updated_at', type: Date })
  updatedAt: Date;

  @Column({ name: 'deleted_at', type: Date, nullable: true })
  deletedAt: Date | null;

  @Column({ name: 'deletion_reason', type: 'varchar', length: 256, nullable: true })
  deletionReason: string | null;

  @Column({ name: 'failure_reason', type: 'varchar', length: 512, nullable: true })
  failureReason: string | null;

  /** sha256(caller name, Idempotency-Key); unique while the key is live, cleared when it expires or the create failed. */
  @Column({ name: 'idempotency_key_hash', type: 'varchar', length: 64, nullable: true })
  idempotencyKeyHash: string | null;

  /** sha256 of the canonical request (user and body): tells a retry from a reuse of the key. */
  @Column({ name: 'request_hash', type: 'varchar', length: 64, nullable: true })
  requestHash: string | null;

  @Column({ name: 'idempotency_expires_at', type: Date, nullable: true })
  idempotencyExpiresAt: Date | null;

  /** Zoom's create answer, encrypted (its start_url carries the host's ZAK), replayed to retries. */
  @Column({ name: 'response_encrypted', type: 'text', nullable: true })
  responseEncrypted: string | null;
}
