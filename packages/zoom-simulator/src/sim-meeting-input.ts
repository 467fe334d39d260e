// Zoom's create/update meeting bodies: validation (as lenient as Zoom) and start_time parsing.
import { BODY_NOT_JSON_OBJECT, VALIDATION_FAILED } from './zoom-responses.js';

/** 1 instant, 2 scheduled, 3 recurring with no fixed time, 8 recurring with a fixed time,
 * 10 screen share only. */
export type MeetingType = 1 | 2 | 3 | 8 | 10;

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
  recurrence?: Recurrence;
  settings?: Record<string, unknown>;
  tracking_fields?: unknown[];
}

export const isMeetingType = (value: unknown): value is MeetingType =>
  value === 1 || value === 2 || value === 3 || value === 8 || value === 10;

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const INVALID = 'Invalid field.';
const START_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$/;
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

/** Zoom accepts booleans sent as the strings "true" and "false". */
function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  return undefined;
}

/** Zoom's `recurrence` object (type 1 daily, 2 weekly, 3 monthly). */
export interface Recurrence {
  type: 1 | 2 | 3;
  repeat_interval?: number;
  weekly_days?: string;
  monthly_day?: number;
  monthly_week?: number;
  monthly_week_day?: number;
  end_times?: number;
  end_date_time?: string;
}

/** Checks `recurrence` against the ranges Zoom's "Create a meeting" reference gives. */
function validateRecurrence(
  r: Record<string, unknown>,
  bad: (field: string) => void,
): Recurrence | undefined {
  const before = { count: 0 };
  const fail = (field: string) => {
    before.count++;
    bad(`recurrence.${field}`);
  };
  const int = (field: string, min: number, max: number, allowed?: number[]) => {
    if (r[field] === undefined) return undefined;
    const v = toInteger(r[field]);
    if (v === undefined || v < min || v > max || (allowed && !allowed.includes(v))) {
      return fail(field);
    }
    return v;
  };
  const type = int('type', 1, 3);
  if (r.type === undefined) fail('type');
  const out: Recurrence = { type: type === 2 || type === 3 ? type : 1 };
  const repeat = int('repeat_interval', 1, 99);
  if (repeat !== undefined) out.repeat_interval = repeat;
  if (r.weekly_days !== undefined) {
    // A single day may come as a number.
    const raw = r.weekly_days;
    const days = typeof raw === 'number' ? String(raw) : raw;
    if (typeof days !== 'string' || !/^[1-7](,[1-7]){0,6}$/.test(days)) fail('weekly_days');
    else out.weekly_days = days;
  }
  const monthlyDay = int('monthly_day', 1, 31);
  if (monthlyDay !== undefined) out.monthly_day = monthlyDay;
  const monthlyWeek = int('monthly_week', -1, 4, [-1, 1, 2, 3, 4]);
  if (monthlyWeek !== undefined) out.monthly_week = monthlyWeek;
  const weekDay = int('monthly_week_day', 1, 7);
  if (weekDay !== undefined) out.monthly_week_day = weekDay;
  const endTimes = int('end_times', 0, 60);
  if (endTimes !== undefined) out.end_times = endTimes;
  if (r.end_date_time !== undefined) {
    const end = typeof r.end_date_time === 'string' ? parseStartTime(r.end_date_time) : undefined;
    if (end === undefined) fail('end_date_time');
    else out.end_date_time = zoomTime(end);
  }
  return before.count === 0 ? out : undefined;
}

/** Local calendar parts (month 1-12) of instant `at` in `timeZone` (UTC when unknown). */
export function localParts(at: number, timeZone: string): number[] {
  const f = formatter(timeZone) ?? formatter('UTC')!;
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(at))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return [parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second];
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
    const digits = zone.slice(1).replace(':', '');
    const [oh, om] = [Number(digits.slice(0, 2)), Number(digits.slice(2))];
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
      const flag = toBoolean(body[key]);
      if (flag === undefined) bad(key);
      else value[key] = flag;
    }
  }
  if (body.schedule_for !== undefined) {
    if (typeof body.schedule_for !== 'string') bad('schedule_for');
    else value.schedule_for = body.schedule_for;
  }
  if (body.recurrence !== undefined) {
    if (!isPlainObject(body.recurrence)) bad('recurrence');
    else {
      const recurrence = validateRecurrence(body.recurrence, bad);
      if (recurrence) value.recurrence = recurrence;
    }
  }
  if (body.tracking_fields !== undefined) {
    if (!Array.isArray(body.tracking_fields)) bad('tracking_fields');
    else value.tracking_fields = body.tracking_fields;
  }
  if (body.settings !== undefined) {
    if (!isPlainObject(body.settings)) bad('settings');
    else {
      // Zoom coerces "true"/"false" and numeric strings on settings; the answer has real types.
      const settings = { ...body.settings };
      for (const key of BOOLEAN_SETTINGS) {
        if (settings[key] === undefined) continue;
        const flag = toBoolean(settings[key]);
        if (flag === undefined) bad(`settings.${key}`);
        else settings[key] = flag;
      }
      for (const [key, allowed] of Object.entries(ENUM_SETTINGS)) {
        if (settings[key] !== undefined) {
          const v = typeof allowed[0] === 'number' ? toInteger(settings[key]) : settings[key];
          if (!allowed.includes(v)) bad(`settings.${key}`);
          else settings[key] = v;
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
