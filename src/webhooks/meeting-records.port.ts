import type { ZoomMeeting, ZoomMeetingWithId } from '../meetings/zoom-meeting.js';

/**
 * What webhook processing needs from the meeting records, and nothing more. MeetingLifecycle
 * provides it (see webhooks.module.ts); each method answers whether a record changed, so an
 * event about a meeting the gateway does not know is told apart from one it applied.
 */
export interface MeetingRecordsPort {
  /**
   * Marks the record of this Zoom meeting id `deleted` with the reason; false when unknown or
   * already deleted. Terminal whatever `eventTs` (the event's `event_ts`, ms), which is recorded.
   */
  markDeletedByZoom(zoomMeetingId: string, reason: string, eventTs?: number): Promise<boolean>;
  /**
   * Refreshes topic, start time, duration and timezone from the fields Zoom sent (a
   * `meeting.updated` carries only those that changed). With `eventTs` (the event's
   * `event_ts`), the newest event wins per field: each field given is set only when the event
   * is newer than the one whose value the record holds for it, so events applied in any order
   * leave each field with its newest value. False when unknown, deleted, or nothing applied
   * (a repeat, or newer events already set every field given).
   */
  applyZoomUpdate(
    zoomMeetingId: string,
    fields: ZoomMeetingUpdate,
    eventTs?: number,
  ): Promise<boolean>;
  /** Records a meeting made outside the gateway, with the event's `event_ts`; false when a record for it already exists. */
  adoptFromZoom(meeting: ZoomMeetingObject, eventTs?: number): Promise<boolean>;
}

export const MEETING_RECORDS = Symbol('MEETING_RECORDS');

/** The fields of a `meeting.updated` event the gateway keeps (only those Zoom sent are present). */
export type ZoomMeetingUpdate = Pick<ZoomMeeting, 'topic' | 'start_time' | 'duration' | 'timezone'>;

/** Zoom's meeting object as webhook events carry it; `id` already a decimal string (int64-exact). */
export type ZoomMeetingObject = ZoomMeetingWithId;
