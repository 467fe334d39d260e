import { randomUUID } from 'node:crypto';
import { clip, type MeetingEntity } from './meeting.entity.js';
import {
  utcStart,
  zoomIdString,
  type ZoomMeeting,
  type ZoomMeetingChange,
} from './zoom-meeting.js';

/** The record columns Zoom's meeting object or a change can fill. */
export const MEETING_COLUMN_NAMES = [
  'zoomMeetingId',
  'zoomUuid',
  'hostId',
  'hostEmail',
  'topic',
  'type',
  'startTime',
  'duration',
  'timezone',
  'joinUrl',
] as const satisfies ReadonlyArray<keyof MeetingEntity>;

export type MeetingColumns = Partial<Pick<MeetingEntity, (typeof MEETING_COLUMN_NAMES)[number]>>;

/** An integer as Zoom reads one: a number or a numeric string (`"30"`). */
function integerOf(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  return Number.isInteger(n) ? n : undefined;
}

/**
 * The columns a change names (a create or PATCH body, a `meeting.updated` event), clipped to
 * their widths; fields absent or of the wrong type are left out, so the record keeps its value.
 */
export function changeColumns(change: ZoomMeetingChange): MeetingColumns {
  const columns: MeetingColumns = {};
  if (typeof change.topic === 'string') columns.topic = clip(change.topic, 'topic');
  const type = integerOf(change.type);
  if (type !== undefined) columns.type = type;
  const duration = integerOf(change.duration);
  if (duration !== undefined) columns.duration = duration;
  if (typeof change.timezone === 'string' && change.timezone)
    columns.timezone = clip(change.timezone, 'timezone');
  if (typeof change.join_url === 'string') columns.joinUrl = clip(change.join_url, 'joinUrl');
  const start = typeof change.start_time === 'string' ? utcStart(change.start_time) : null;
  if (start) columns.startTime = start;
  return columns;
}

/** The columns Zoom's meeting object fills: the change fields plus its identity and host. */
export function zoomColumns(meeting: ZoomMeeting): MeetingColumns {
  const columns = changeColumns(meeting);
  const id = zoomIdString(meeting.id);
  if (id !== null) columns.zoomMeetingId = id;
  if (typeof meeting.uuid === 'string') columns.zoomUuid = clip(meeting.uuid, 'zoomUuid');
  if (typeof meeting.host_id === 'string') columns.hostId = clip(meeting.host_id, 'hostId');
  if (typeof meeting.host_email === 'string')
    columns.hostEmail = clip(meeting.host_email, 'hostEmail');
  return columns;
}

/** What a new record needs besides the columns Zoom or the caller fill. */
export interface NewRecord {
  hostUser: string;
  status: MeetingEntity['status'];
  createdBy: string;
  now: Date;
  idempotency?: { keyHash: string; requestHash: string; expiresAt: Date };
  /**
   * The `event_ts` (see eventTsValue) of the Zoom event the record is made from (an adopted
   * meeting's `meeting.created`): its fields are as of that event, so an older update cannot apply.
   */
  eventTs?: string | null;
}

/** The one builder of a whole record: every column set, unknown ones null. */
export function newMeetingRecord(init: NewRecord, columns: MeetingColumns): MeetingEntity {
  return {
    id: randomUUID(),
    zoomMeetingId: columns.zoomMeetingId ?? null,
    zoomUuid: columns.zoomUuid ?? null,
    hostUser: clip(init.hostUser, 'hostUser'),
    hostId: columns.hostId ?? null,
    hostEmail: columns.hostEmail ?? null,
    topic: columns.topic ?? null,
    type: columns.type ?? null,
    startTime: columns.startTime ?? null,
    duration: columns.duration ?? null,
    timezone: columns.timezone ?? null,
    joinUrl: columns.joinUrl ?? null,
    status: init.status,
    createdBy: clip(init.createdBy, 'createdBy'),
    createdAt: init.now,
    updatedAt: init.now,
    deletedAt: null,
    deletionReason: null,
    failureReason: null,
    idempotencyKeyHash: init.idempotency?.keyHash ?? null,
    requestHash: init.idempotency?.requestHash ?? null,
    idempotencyExpiresAt: init.idempotency?.expiresAt ?? null,
    responseEncrypted: null,
    // A `creating` record is written just before its call to Zoom: the attempt starts beating now.
    attemptHeartbeatAt: init.status === 'creating' ? init.now : null,
    attemptStartedAt: init.status === 'creating' ? init.now : null,
    // No Zoom event applied yet, unless made from one (an adopted meeting's `meeting.created`).
    zoomEventTs: init.eventTs ?? null,
    topicEventTs: init.eventTs ?? null,
    startTimeEventTs: init.eventTs ?? null,
    durationEventTs: init.eventTs ?? null,
    timezoneEventTs: init.eventTs ?? null,
  };
}
