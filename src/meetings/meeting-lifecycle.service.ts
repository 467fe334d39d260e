import { Injectable, Logger } from '@nestjs/common';
import type { Caller } from '../auth/api-key.service.js';
import { Clock } from '../common/clock.js';
import { isUniqueViolation } from '../common/errors/index.js';
import type { MeetingBody } from './dto/meeting-body.schema.js';
import { changeColumns, newMeetingRecord, type NewRecord, zoomColumns } from './meeting-columns.js';
import type { MeetingEntity } from './meeting.entity.js';
import { MeetingsRepository } from './meetings.repository.js';
import type { ZoomMeeting, ZoomMeetingChange, ZoomMeetingWithId } from './zoom-meeting.js';

/**
 * A record's life: `creating` before Zoom is called, then `active` (Zoom made it) or `failed`
 * (Zoom certainly made nothing), and `deleted` when Zoom says the meeting is gone. Webhooks,
 * the Zoom proxy and reconciliation all move records through here.
 */
@Injectable()
export class MeetingLifecycle {
  private readonly logger = new Logger('Meetings');

  constructor(
    private readonly records: MeetingsRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * Writes the `creating` record of a create. With an Idempotency-Key held by another record,
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
    await this.records.insert(record);
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
    return this.records.complete(record.id, columns, responseEncrypted);
  }

  /** Zoom certainly made nothing: `failed`, and the Idempotency-Key is free for a retry. */
  fail(record: MeetingEntity, reason: string): Promise<boolean> {
    return this.records.fail(record.id, reason);
  }

  /** No answer or a 5xx: Zoom may have made it; reconciliation will tell. */
  async outcomeUnknown(record: MeetingEntity, reason: string): Promise<void> {
    await this.records.noteCreating(record.id, `Outcome unknown: ${reason}`);
  }

  /** Zoom says the meeting is gone (webhook `meeting.deleted`, a 3001, a delete through us). */
  markDeletedByZoom(meetingId: string, reason: string): Promise<boolean> {
    return this.records.markDeleted(meetingId, reason);
  }

  /** Zoom changed the whole meeting (webhook `meeting.updated`, a PATCH through us): copy the recorded fields. */
  async applyZoomUpdate(meetingId: string, change: ZoomMeetingChange): Promise<boolean> {
    const columns = changeColumns(change);
    if (Object.keys(columns).length === 0) return false;
    return this.records.applyChange(meetingId, columns);
  }

  /**
   * Records a meeting made outside the gateway (webhook `meeting.created`, only with
   * ZOOM_WEBHOOK_ADOPT_CREATED) as `active`, created by `zoom:adopted`. False when a record for
   * this Zoom id already exists; the unique index makes concurrent deliveries adopt it once.
   */
  async adoptFromZoom(meeting: ZoomMeetingWithId): Promise<boolean> {
    const columns = zoomColumns(meeting);
    if (!columns.zoomMeetingId) return false;
    if (await this.records.existsByZoomId(columns.zoomMeetingId)) return false;
    const record = newMeetingRecord(
      {
        hostUser: meeting.host_id ?? meeting.host_email ?? 'unknown',
        status: 'active',
        createdBy: 'zoom:adopted',
        now: new Date(this.clock.now()),
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
