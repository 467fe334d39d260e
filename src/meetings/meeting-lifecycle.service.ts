import { Injectable, Logger, Optional } from '@nestjs/common';
import type { Caller } from '../access/caller.js';
import { Clock } from '../common/clock.js';
import { errorMessage, isUniqueViolation } from '../common/errors/index.js';
import { withSpan } from '../tracing/span.js';
import type { MeetingBody } from './dto/meeting-body.schema.js';
import { changeColumns, newMeetingRecord, type NewRecord, zoomColumns } from './meeting-columns.js';
import { eventTsValue, type MeetingEntity } from './meeting.entity.js';
import { MeetingsRepository } from './meetings.repository.js';
import { RecordRepairs } from './record-repairs.js';
import type { RecordChange } from './repair-journal.js';
import type { ZoomMeeting, ZoomMeetingChange, ZoomMeetingWithId } from './zoom-meeting.js';

/** How often the replica making a create's call to Zoom says so on its record. */
export const HEARTBEAT_INTERVAL_MS = 2_000;
/**
 * A heartbeat older than this means the attempt is no longer running (its replica stopped or
 * lost the database): five missed beats, room for a slow write and some clock skew between replicas.
 */
export const HEARTBEAT_STALE_MS = 10_000;

/**
 * A record's life: `creating` once the governor admitted its call to Zoom (an Idempotency-Key's
 * claim: before, and deleted if the call never leaves), then `active` (Zoom made it) or `failed`
 * (Zoom certainly made nothing; pruned after FAILED_MEETINGS_RETENTION_DAYS), and `deleted`
 * when Zoom says the meeting is gone. Webhooks, the Zoom proxy and reconciliation all move
 * records through here.
 */
@Injectable()
export class MeetingLifecycle {
  private readonly logger = new Logger('Meetings');

  private readonly repairs: RecordRepairs;

  constructor(
    private readonly records: MeetingsRepository,
    private readonly clock: Clock,
    // The module's, which keeps repairs across a shutdown; a module graph built without it (a
    // test harness) still gets repairs retried in the process.
    @Optional() repairs?: RecordRepairs,
  ) {
    this.repairs = repairs ?? new RecordRepairs(records, clock);
  }

  /**
   * Writes the `creating` record of a create: once its call is admitted, or first as an
   * Idempotency-Key's claim. With the key held by another record,
   * the unique index refuses it (fleet-wide); IdempotencyService reads that refusal.
   */
  async begin(
    caller: Caller,
    userId: string,
    body: MeetingBody,
    idempotency?: NewRecord['idempotency'],
  ): Promise<MeetingEntity> {
    const record = newMeetingRecord(
      {
        hostUser: userId,
        status: 'creating',
        createdBy: caller.name,
        now: new Date(this.clock.now()),
        idempotency,
      },
      changeColumns(body),
    );
    await withSpan('meetings.record', { 'meetings.record.status': 'creating' }, () =>
      this.records.insert(record),
    );
    return record;
  }

  /** `creating` -> `active` with Zoom's meeting; false (left `creating`) when its id is not exact. */
  async complete(
    record: MeetingEntity,
    meeting: ZoomMeeting,
    responseEncrypted: string | null,
  ): Promise<boolean> {
    const columns = zoomColumns(meeting);
    if (!columns.zoomMeetingId) {
      this.logger.error(
        `Zoom answered meeting record ${record.id} with an id that is not an exact integer; left creating`,
      );
      return false;
    }
    return withSpan('meetings.record', { 'meetings.record.status': 'active' }, () =>
      this.records.complete(record.id, columns, responseEncrypted),
    );
  }

  /** Zoom certainly made nothing: `failed`, and the Idempotency-Key is free for a retry. */
  fail(record: MeetingEntity, reason: string): Promise<boolean> {
    return this.records.fail(record.id, reason);
  }

  /**
   * An Idempotency-Key's record whose call never left for Zoom (refused by the governor, cut by
   * shutdown, no token): deleted, so no record stands for a call Zoom never saw, and the key is
   * free for a retry. Only while still `creating`: a record that moved on is kept.
   */
  discardClaim(record: MeetingEntity): Promise<boolean> {
    return this.records.deleteCreating(record.id);
  }

  /**
   * No answer or a 5xx: Zoom may have made it. The attempt is over (heartbeat cleared), so a
   * retry with the key looks it up in Zoom at once; without one, reconciliation will tell.
   */
  async outcomeUnknown(record: MeetingEntity, reason: string): Promise<void> {
    await this.records.endAttempt(record.id, `Outcome unknown: ${reason}`);
  }

  /** Whether the record's create attempt is still running somewhere in the fleet (a fresh heartbeat). */
  attemptAlive(record: MeetingEntity): boolean {
    const beat = record.attemptHeartbeatAt?.getTime();
    return beat !== undefined && beat > this.clock.now() - HEARTBEAT_STALE_MS;
  }

  /** Takes a `creating` record whose attempt is over; false when another attempt holds it or it settled. */
  takeOver(record: MeetingEntity): Promise<boolean> {
    return this.records.takeOverAttempt(record.id, new Date(this.clock.now() - HEARTBEAT_STALE_MS));
  }

  /** A new call to Zoom's create for a record taken over. */
  async startAttempt(record: MeetingEntity): Promise<void> {
    await this.records.startAttempt(record.id);
    record.attemptStartedAt = new Date(this.clock.now());
  }

  /** Gives a taken-over record back undecided (Zoom could not be asked now). */
  async releaseAttempt(record: MeetingEntity): Promise<void> {
    await this.records.endAttempt(record.id);
  }

  /** Beats for these records every HEARTBEAT_INTERVAL_MS until the returned function is called. */
  keepAttemptsAlive(ids: string[]): () => void {
    const timer = setInterval(() => {
      this.records
        .beatAttempts(ids)
        .catch((error: unknown) =>
          this.logger.warn(`Create attempt heartbeat failed: ${errorMessage(error)}`),
        );
    }, HEARTBEAT_INTERVAL_MS);
    timer.unref();
    return () => clearInterval(timer);
  }

  /**
   * A record write that must follow a change Zoom already accepted (an update or delete through
   * the gateway): tried now; when the database fails it, the caller still gets Zoom's answer and
   * RecordRepairs writes it later, across a shutdown too.
   */
  followZoom(change: RecordChange): Promise<void> {
    return this.repairs.follow(change);
  }

  /**
   * Zoom says the meeting is gone (webhook `meeting.deleted`, a 3001, a delete through us).
   * Terminal whatever `eventTs` (the event's `event_ts`, ms): it is recorded as the newest
   * event seen, and no update, older or newer, applies to a deleted record.
   */
  markDeletedByZoom(meetingId: string, reason: string, eventTs?: number): Promise<boolean> {
    return this.records.markDeleted(meetingId, reason, undefined, eventTs);
  }

  /**
   * Zoom changed the meeting (webhook `meeting.updated`, a PATCH through us): copy the recorded
   * fields the change names. With `eventTs` (the event's `event_ts`, ms): newest event wins per
   * field, since Zoom's event carries only the fields that changed: each of topic, start time,
   * duration and timezone it carries is set only when the event is newer than the one whose
   * value the field holds, so events applied in any order leave each field with its newest
   * value, and a repeat changes nothing (false: nothing applied); other columns are not
   * written (the webhooks pass no other, see updateFieldsOf). Without (a PATCH,
   * reconciliation, an event without `event_ts`): as before, applied to any live record, and
   * the fields' timestamps are left as they are, so an untimed write never makes a newer event
   * look old nor an older one look new.
   */
  async applyZoomUpdate(
    meetingId: string,
    change: ZoomMeetingChange,
    eventTs?: number,
  ): Promise<boolean> {
    const columns = changeColumns(change);
    if (Object.keys(columns).length === 0) return false;
    const ts = eventTsValue(eventTs);
    return ts === null
      ? this.records.applyChange(meetingId, columns)
      : this.records.applyEvent(meetingId, columns, ts);
  }

  /**
   * Records a meeting made outside the gateway (webhook `meeting.created`, only with
   * ZOOM_WEBHOOK_ADOPT_CREATED) as `active`, created by `zoom:adopted`. False when a record for
   * this Zoom id already exists; the unique index makes concurrent deliveries adopt it once.
   * `eventTs` (the event's `event_ts`) is kept as the record's newest event and as the
   * timestamp of each of its fields, so an update Zoom made before the creation cannot apply.
   */
  async adoptFromZoom(meeting: ZoomMeetingWithId, eventTs?: number): Promise<boolean> {
    const columns = zoomColumns(meeting);
    if (!columns.zoomMeetingId) return false;
    if (await this.records.existsByZoomId(columns.zoomMeetingId)) return false;
    const record = newMeetingRecord(
      {
        hostUser: meeting.host_id ?? meeting.host_email ?? 'unknown',
        status: 'active',
        createdBy: 'zoom:adopted',
        now: new Date(this.clock.now()),
        eventTs: eventTsValue(eventTs),
      },
      columns,
    );
    try {
      await this.records.insert(record);
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }
}
