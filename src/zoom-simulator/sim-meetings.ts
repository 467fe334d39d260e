// Zoom's meeting object, the validation of create/update bodies, and list paging.
import { randomBytes, randomInt } from 'node:crypto';
import { BODY_NOT_JSON_OBJECT, VALIDATION_FAILED } from './zoom-responses.js';

export type MeetingType = 1 | 2 | 3 | 8;

export interface FieldError {
  field: string;
  message: string;
}

export interface ValidationFailure {
  code: 300;
  message: string;
  errors: FieldError[];
}

/** The accepted, normalised subset of a create/update body. */
export interface MeetingInput {
  topic?: string;
  type?: MeetingType;
  startTimeMs?: number;
  duration?: number;
  timezone?: string;
  password?: string;
  agenda?: string;
  default_password?: boolean;
  pre_schedule?: boolean;
  schedule_for?: string;
  recurrence?: Record<string, unknown>;
  settings?: Record<string, unknown>;
  tracking_fields?: unknown[];
}

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
  recurrence?: Record<string, unknown>;
  tracking_fields?: unknown[];
}

export const isMeetingType = (value: unknown): value is MeetingType =>
  value === 1 || value === 2 || value === 3 || value === 8;

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const INVALID = 'Invalid field.';
const START_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})?$/;
const PASSWORD = /^[A-Za-z0-9@\-_*]{1,10}$/;

const BOOLEAN_SETTINGS = [
  'host_video',
  'participant_video',
  'cn_meeting',
  'in_meeting',
  'join_before_host',
  'mute_upon_entry',
  'watermark',
  'use_pmi',
  'enforce_login',
  'waiting_room',
  'allow_multiple_devices',
  'registrants_confirmation_email',
  'registrants_email_notification',
  'meeting_authentication',
  'email_notification',
  'close_registration',
  'show_share_button',
  'private_meeting',
  'focus_mode',
  'host_save_video_order',
  'internal_meeting',
  'participant_focused_meeting',
  'push_change_to_calendar',
  'auto_start_meeting_summary',
  'alternative_hosts_email_notification',
] as const;

const ENUM_SETTINGS: Record<string, readonly unknown[]> = {
  approval_type: [0, 1, 2],
  registration_type: [1, 2, 3],
  audio: ['both', 'telephony', 'voip', 'thirdParty'],
  auto_recording: ['local', 'cloud', 'none'],
  jbh_time: [0, 5, 10, 15],
  encryption_type: ['enhanced_encryption', 'e2ee'],
  calendar_type: [1, 2],
};

/** Zoom accepts integers sent as numeric strings ("duration": "30"); so does the simulator. */
function toInteger(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat | undefined {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      return undefined;
    }
    formatters.set(timeZone, f);
  }
  return f;
}

export const isValidTimezone = (tz: string) => formatter(tz) !== undefined;

/** Offset (ms) of `timeZone` from UTC at instant `at`. */
function zoneOffset(at: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone)!.formatToParts(new Date(at))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const asUtc = Date.UTC(
    parts.year,
    parts.month - 1,
    parts.day,
    parts.hour,
    parts.minute,
    parts.second,
  );
  return asUtc - Math.floor(at / 1000) * 1000;
}

/**
 * Parses Zoom's `start_time`: `yyyy-MM-ddTHH:mm:ssZ` (UTC), an explicit offset, or a local
 * `yyyy-MM-ddTHH:mm:ss` in `timezone` (UTC when none).
 */
export function parseStartTime(value: string, timezone?: string): number | undefined {
  const m = START_TIME.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const local = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(local);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return undefined;
  const zone = m[8];
  if (zone === 'Z') return local;
  if (zone) {
    const sign = zone.startsWith('-') ? -1 : 1;
    const [oh, om] = zone.slice(1).split(':').map(Number);
    return local - sign * (oh * 60 + om) * 60_000;
  }
  if (!timezone || !isValidTimezone(timezone)) return local;
  let utc = local - zoneOffset(local, timezone);
  const second = zoneOffset(utc, timezone);
  utc = local - second;
  return utc;
}

export const zoomTime = (ms: number) =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** Validates a create (`partial=false`) or update (`partial=true`) body as Zoom does. */
export function validateMeetingBody(
  body: unknown,
  partial: boolean,
): { ok: true; value: MeetingInput } | { ok: false; failure: ValidationFailure } {
  if (!isPlainObject(body)) {
    return {
      ok: false,
      failure: {
        code: 300,
        message: BODY_NOT_JSON_OBJECT,
        errors: [{ field: 'body', message: BODY_NOT_JSON_OBJECT }],
      },
    };
  }
  const errors: FieldError[] = [];
  const value: MeetingInput = {};
  const bad = (field: string, message = INVALID) => errors.push({ field, message });

  if (body.topic !== undefined) {
    if (typeof body.topic !== 'string') bad('topic');
    else if (body.topic.length > 200) bad('topic', 'Length must be less than or equal to 200.');
    else value.topic = body.topic;
  }
  if (body.type !== undefined) {
    const type = toInteger(body.type);
    if (!isMeetingType(type)) bad('type');
    else value.type = type;
  }
  if (body.timezone !== undefined) {
    if (
      typeof body.timezone !== 'string' ||
      (body.timezone !== '' && !isValidTimezone(body.timezone))
    )
      bad('timezone');
    else if (body.timezone !== '') value.timezone = body.timezone;
  }
  if (body.start_time !== undefined) {
    const ms =
      typeof body.start_time === 'string'
        ? parseStartTime(body.start_time, value.timezone)
        : undefined;
    if (ms === undefined) bad('start_time');
    else value.startTimeMs = ms;
  }
  if (body.duration !== undefined) {
    const duration = toInteger(body.duration);
    if (duration === undefined || duration < 0) bad('duration');
    else value.duration = duration;
  }
  if (body.password !== undefined) {
    if (
      typeof body.password !== 'string' ||
      (body.password !== '' && !PASSWORD.test(body.password))
    )
      bad('password', 'Password must be at most 10 characters and only contain [a-zA-Z0-9@-_*].');
    else value.password = body.password;
  }
  if (body.agenda !== undefined) {
    if (typeof body.agenda !== 'string') bad('agenda');
    else if (body.agenda.length > 2000) bad('agenda', 'Length must be less than or equal to 2000.');
    else value.agenda = body.agenda;
  }
  for (const key of ['default_password', 'pre_schedule'] as const) {
    if (body[key] !== undefined) {
      if (typeof body[key] !== 'boolean') bad(key);
      else value[key] = body[key];
    }
  }
  if (body.schedule_for !== undefined) {
    if (typeof body.schedule_for !== 'string') bad('schedule_for');
    else value.schedule_for = body.schedule_for;
  }
  if (body.recurrence !== undefined) {
    if (!isPlainObject(body.recurrence)) bad('recurrence');
    else value.recurrence = body.recurrence;
  }
  if (body.tracking_fields !== undefined) {
    if (!Array.isArray(body.tracking_fields)) bad('tracking_fields');
    else value.tracking_fields = body.tracking_fields;
  }
  if (body.settings !== undefined) {
    if (!isPlainObject(body.settings)) bad('settings');
    else {
      const settings = body.settings;
      for (const key of BOOLEAN_SETTINGS) {
        if (settings[key] !== undefined && typeof settings[key] !== 'boolean')
          bad(`settings.${key}`);
      }
      for (const [key, allowed] of Object.entries(ENUM_SETTINGS)) {
        if (settings[key] !== undefined) {
          const v = typeof allowed[0] === 'number' ? toInteger(settings[key]) : settings[key];
          if (!allowed.includes(v)) bad(`settings.${key}`);
        }
      }
      value.settings = settings;
    }
  }
  void partial;
  if (errors.length > 0) {
    return { ok: false, failure: { code: 300, message: VALIDATION_FAILED, errors } };
  }
  return { ok: true, value };
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
  return stripUndefined(meeting);
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
  const start = m.start_time ? Date.parse(m.start_time) : undefined;
  if (type === 'scheduled') return m.type !== 1;
  if (type === 'live') return m.status === 'started';
  if (type === 'previous_meetings') {
    return start !== undefined && start + m.duration * 60_000 < now;
  }
  return m.type === 3 || start === undefined || start + m.duration * 60_000 >= now;
}

export const isListType = (value: string): value is ListType =>
  (LIST_TYPES as readonly string[]).includes(value);

/** Opaque page tokens: base64url of the offset plus a random salt, like Zoom's opaque ones. */
export function encodePageToken(offset: number): string {
  return Buffer.from(`${offset}:${randomString(8)}`).toString('base64url');
}

export function decodePageToken(token: string): number | undefined {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const m = /^(\d+):[A-Za-z0-9]{8}$/.exec(text);
  return m ? Number(m[1]) : undefined;
}
