// Zoom's meeting object: building it from a validated body, applying updates, list entries.
import { randomBytes, randomInt } from 'node:crypto';
import {
  zoomTime,
  type MeetingInput,
  type MeetingType,
  type Recurrence,
} from './sim-meeting-input.js';
import { buildOccurrences, type Occurrence } from './sim-occurrences.js';

/** Zoom's meeting object as answered by create and get. */
export interface ZoomMeeting {
  uuid: string;
  id: number;
  host_id: string;
  host_email: string;
  assistant_id?: string;
  topic: string;
  type: MeetingType;
  status: 'waiting' | 'started';
  start_time?: string;
  duration: number;
  timezone: string;
  agenda?: string;
  created_at: string;
  start_url: string;
  join_url: string;
  password: string;
  h323_password: string;
  pstn_password: string;
  encrypted_password: string;
  settings: Record<string, unknown>;
  pre_schedule: boolean;
  recurrence?: Recurrence;
  /** type 8 only: every occurrence, deleted ones with status `deleted` */
  occurrences?: Occurrence[];
  tracking_fields?: unknown[];
}

export function defaultSettings(): Record<string, unknown> {
  return {
    host_video: false,
    participant_video: false,
    cn_meeting: false,
    in_meeting: false,
    join_before_host: false,
    jbh_time: 0,
    mute_upon_entry: false,
    watermark: false,
    use_pmi: false,
    approval_type: 2,
    audio: 'voip',
    auto_recording: 'none',
    enforce_login: false,
    enforce_login_domains: '',
    alternative_hosts: '',
    alternative_host_update_polls: false,
    close_registration: false,
    show_share_button: false,
    allow_multiple_devices: false,
    registrants_confirmation_email: true,
    waiting_room: false,
    request_permission_to_unmute_participants: false,
    registrants_email_notification: true,
    meeting_authentication: false,
    encryption_type: 'enhanced_encryption',
    approved_or_denied_countries_or_regions: { enable: false },
    breakout_room: { enable: false },
    internal_meeting: false,
    continuous_meeting_chat: { enable: false, auto_add_invited_external_users: false },
    participant_focused_meeting: false,
    push_change_to_calendar: false,
    resources: [],
    auto_start_meeting_summary: false,
    auto_start_ai_companion_questions: false,
    device_testing: false,
    email_notification: true,
    host_save_video_order: false,
    sign_language_interpretation: { enable: false },
    email_in_attendee_report: false,
  };
}

const ALNUM = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const randomString = (length: number, alphabet = ALNUM) =>
  Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
const randomDigits = (length: number) => randomString(length, '0123456789');

/** An 11-digit meeting id not in `taken`. */
export function newMeetingId(taken: (id: number) => boolean): number {
  for (;;) {
    const id = randomInt(10_000_000_000, 100_000_000_000);
    if (!taken(id)) return id;
  }
}

export interface MeetingHost {
  id: string;
  email: string;
  timezone: string;
}

export function buildMeeting(
  id: number,
  host: MeetingHost,
  input: MeetingInput,
  now: number,
): ZoomMeeting {
  const type = input.type ?? 2;
  const password = input.password ?? randomString(6);
  const encrypted = randomBytes(24).toString('base64url');
  const meeting: ZoomMeeting = {
    uuid: randomBytes(16).toString('base64'),
    id,
    host_id: host.id,
    host_email: host.email,
    topic: input.topic ?? 'Zoom meeting',
    type,
    status: 'waiting',
    start_time: type === 3 ? undefined : zoomTime(input.startTimeMs ?? now),
    duration: input.duration ?? 60,
    timezone: input.timezone ?? host.timezone,
    agenda: input.agenda,
    created_at: zoomTime(now),
    start_url: `https://zoom.us/s/${id}?zak=${randomBytes(32).toString('base64url')}`,
    join_url: `https://zoom.us/j/${id}?pwd=${encrypted}.1`,
    password,
    h323_password: randomDigits(6),
    pstn_password: randomDigits(6),
    encrypted_password: encrypted,
    settings: { ...defaultSettings(), ...input.settings },
    pre_schedule: input.pre_schedule ?? false,
    recurrence: type === 3 || type === 8 ? input.recurrence : undefined,
    tracking_fields: input.tracking_fields,
  };
  refreshOccurrences(meeting);
  return stripUndefined(meeting);
}

/** Type 8 meetings carry their occurrences and start at the first one; others carry none. */
export function refreshOccurrences(meeting: ZoomMeeting): void {
  if (meeting.type !== 8 || meeting.start_time === undefined) {
    delete meeting.occurrences;
    return;
  }
  const occurrences = buildOccurrences(
    Date.parse(meeting.start_time),
    meeting.duration,
    meeting.timezone,
    meeting.recurrence,
  );
  meeting.occurrences = occurrences;
  if (occurrences.length > 0) meeting.start_time = occurrences[0].start_time;
}

/** The meeting as one of its occurrences: that occurrence's start and duration. */
export function asOccurrence(meeting: ZoomMeeting, occurrence: Occurrence): ZoomMeeting {
  return { ...meeting, start_time: occurrence.start_time, duration: occurrence.duration };
}

/** Applies a PATCH; answers the fields as they were before (for `meeting.updated`'s old_object). */
export function applyUpdate(
  meeting: ZoomMeeting,
  input: MeetingInput,
  now: number,
): { changed: Record<string, unknown>; old: Record<string, unknown> } {
  const changed: Record<string, unknown> = {};
  const old: Record<string, unknown> = {};
  const set = <K extends keyof ZoomMeeting>(key: K, value: ZoomMeeting[K] | undefined) => {
    if (value === undefined) return;
    old[key] = meeting[key];
    meeting[key] = value;
    changed[key] = value;
  };
  set('topic', input.topic);
  set('type', input.type);
  set('timezone', input.timezone);
  if (input.startTimeMs !== undefined) set('start_time', zoomTime(input.startTimeMs));
  if (input.type !== undefined && input.type !== 3 && meeting.start_time === undefined) {
    set('start_time', zoomTime(now));
  }
  set('duration', input.duration);
  set('agenda', input.agenda);
  set('password', input.password);
  set('pre_schedule', input.pre_schedule);
  set('recurrence', input.recurrence);
  set('tracking_fields', input.tracking_fields);
  if (input.settings) set('settings', { ...meeting.settings, ...input.settings });
  const schedule = ['type', 'start_time', 'duration', 'timezone', 'recurrence'];
  if (schedule.some((key) => key in changed)) {
    if (meeting.type !== 3 && meeting.type !== 8) delete meeting.recurrence;
    refreshOccurrences(meeting);
  }
  return { changed, old };
}

export function stripUndefined<T extends object>(value: T): T {
  for (const [key, entry] of Object.entries(value)) {
    if (entry === undefined) Reflect.deleteProperty(value, key);
  }
  return value;
}

/** An entry of `GET /users/{userId}/meetings`. */
export function listItem(m: ZoomMeeting): Record<string, unknown> {
  return stripUndefined({
    uuid: m.uuid,
    id: m.id,
    host_id: m.host_id,
    topic: m.topic,
    type: m.type,
    start_time: m.start_time,
    duration: m.duration,
    timezone: m.timezone,
    agenda: m.agenda,
    created_at: m.created_at,
    join_url: m.join_url,
  });
}

export const LIST_TYPES = [
  'scheduled',
  'live',
  'upcoming',
  'upcoming_meetings',
  'previous_meetings',
] as const;
export type ListType = (typeof LIST_TYPES)[number];

export function matchesListType(m: ZoomMeeting, type: ListType, now: number): boolean {
  // Zoom's list does not return instant meetings.
  if (m.type === 1) return false;
  const start = m.start_time ? Date.parse(m.start_time) : undefined;
  if (type === 'scheduled') return true;
  if (type === 'live') return m.status === 'started';
  if (type === 'previous_meetings') {
    return start !== undefined && start + m.duration * 60_000 < now;
  }
  return m.type === 3 || start === undefined || start + m.duration * 60_000 >= now;
}

export const isListType = (value: string): value is ListType =>
  (LIST_TYPES as readonly string[]).includes(value);
