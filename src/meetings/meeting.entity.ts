import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Widths of the `meetings` text columns, declared once: the entity's decorators and every value
 * written (`clip`) use them. Migration 1764320300000 spells the same numbers literally, since a
 * migration is history and must not move when this list does.
 */
export const MEETING_WIDTHS = {
  id: 36,
  zoomUuid: 128,
  hostUser: 128,
  hostId: 64,
  hostEmail: 256,
  topic: 200,
  timezone: 64,
  joinUrl: 1024,
  status: 16,
  createdBy: 64,
  deletionReason: 256,
  failureReason: 512,
  hash: 64,
} as const;

/**
 * A text value cut to its column's width, so a long value from Zoom never fails a write; NUL
 * bytes, which PostgreSQL text cannot hold, are dropped (callers' NULs are refused up front).
 */
export function clip(value: string, column: keyof typeof MEETING_WIDTHS): string {
  return value.replaceAll('\u0000', '').slice(0, MEETING_WIDTHS[column]);
}

/**
 * A Zoom event's `event_ts` as the `*_event_ts` columns keep it (an exact decimal string);
 * null when it is absent or not a positive safe integer, and the write is then untimed.
 */
export function eventTsValue(eventTs: number | undefined): string | null {
  return eventTs !== undefined && Number.isSafeInteger(eventTs) && eventTs > 0
    ? String(eventTs)
    : null;
}

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
  @PrimaryColumn({ type: 'varchar', length: MEETING_WIDTHS.id })
  id: string;

  /** Zoom's int64 meeting id, always a decimal string in JS (bigint on PostgreSQL, text on SQLite). */
  @Column({ name: 'zoom_meeting_id', type: 'bigint', nullable: true })
  zoomMeetingId: string | null;

  @Column({ name: 'zoom_uuid', type: 'varchar', length: MEETING_WIDTHS.zoomUuid, nullable: true })
  zoomUuid: string | null;

  /** The `userId` the caller created it for, as given (`me`, an email or a user id). */
  @Column({ name: 'host_user', type: 'varchar', length: MEETING_WIDTHS.hostUser })
  hostUser: string;

  @Column({ name: 'host_id', type: 'varchar', length: MEETING_WIDTHS.hostId, nullable: true })
  hostId: string | null;

  @Column({ name: 'host_email', type: 'varchar', length: MEETING_WIDTHS.hostEmail, nullable: true })
  hostEmail: string | null;

  @Column({ type: 'varchar', length: MEETING_WIDTHS.topic, nullable: true })
  topic: string | null;

  @Column({ type: 'integer', nullable: true })
  type: number | null;

  @Column({ name: 'start_time', type: Date, nullable: true })
  startTime: Date | null;

  @Column({ type: 'integer', nullable: true })
  duration: number | null;

  @Column({ type: 'varchar', length: MEETING_WIDTHS.timezone, nullable: true })
  timezone: string | null;

  @Column({ name: 'join_url', type: 'varchar', length: MEETING_WIDTHS.joinUrl, nullable: true })
  joinUrl: string | null;

  @Column({ type: 'varchar', length: MEETING_WIDTHS.status })
  status: MeetingStatus;

  /** The API key name of the caller that asked for it. */
  @Column({ name: 'created_by', type: 'varchar', length: MEETING_WIDTHS.createdBy })
  createdBy: string;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  @Column({ name: 'updated_at', type: Date })
  updatedAt: Date;

  @Column({ name: 'deleted_at', type: Date, nullable: true })
  deletedAt: Date | null;

  @Column({
    name: 'deletion_reason',
    type: 'varchar',
    length: MEETING_WIDTHS.deletionReason,
    nullable: true,
  })
  deletionReason: string | null;

  @Column({
    name: 'failure_reason',
    type: 'varchar',
    length: MEETING_WIDTHS.failureReason,
    nullable: true,
  })
  failureReason: string | null;

  /** sha256(caller name, Idempotency-Key); unique while the key is live, cleared when it expires or the create failed. */
  @Column({
    name: 'idempotency_key_hash',
    type: 'varchar',
    length: MEETING_WIDTHS.hash,
    nullable: true,
  })
  idempotencyKeyHash: string | null;

  /** sha256 of the canonical request (user and body): tells a retry from a reuse of the key. */
  @Column({ name: 'request_hash', type: 'varchar', length: MEETING_WIDTHS.hash, nullable: true })
  requestHash: string | null;

  @Column({ name: 'idempotency_expires_at', type: Date, nullable: true })
  idempotencyExpiresAt: Date | null;

  /** Zoom's create answer, encrypted (its start_url carries the host's ZAK), replayed to retries. */
  @Column({ name: 'response_encrypted', type: 'text', nullable: true })
  responseEncrypted: string | null;

  /**
   * Refreshed every few seconds by the replica whose create attempt (or lookup) for this
   * `creating` record is in flight; null once it ended. Fresh means "still running somewhere in
   * the fleet"; stale or null lets a retry with the key take the record over.
   */
  @Column({ name: 'attempt_heartbeat_at', type: Date, nullable: true })
  attemptHeartbeatAt: Date | null;

  /** When the latest call to Zoom's create for this record began (a retry's takeover may start another). */
  @Column({ name: 'attempt_started_at', type: Date, nullable: true })
  attemptStartedAt: Date | null;

  /**
   * `event_ts` (ms since epoch, Zoom's clock) of the newest Zoom event applied to the record
   * (an update that set at least one field, a deletion, the `meeting.created` of an adopted
   * meeting), as a decimal string like zoomMeetingId (bigint on PostgreSQL, text on SQLite).
   * What orders updates is the field's own timestamp below; this one tells how recent the record is.
   */
  @Column({ name: 'zoom_event_ts', type: 'bigint', nullable: true })
  zoomEventTs: string | null;

  /**
   * Per field Zoom's `meeting.updated` may carry (it carries only the fields that changed): the
   * `event_ts` of the event whose value the field holds, null until a timed event set it. A
   * timed update sets a field only when newer than its timestamp, so each field keeps the value
   * of the newest event that carried it, whatever the order of delivery.
   */
  @Column({ name: 'topic_event_ts', type: 'bigint', nullable: true })
  topicEventTs: string | null;

  @Column({ name: 'start_time_event_ts', type: 'bigint', nullable: true })
  startTimeEventTs: string | null;

  @Column({ name: 'duration_event_ts', type: 'bigint', nullable: true })
  durationEventTs: string | null;

  @Column({ name: 'timezone_event_ts', type: 'bigint', nullable: true })
  timezoneEventTs: string | null;
}
