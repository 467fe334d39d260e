import { z } from 'zod';
import type { FieldError } from '../../common/errors/index.js';

// Zoom's create/update meeting bodies (developers.zoom.us/docs/api/meetings/#tag/meetings/POST/users/{userId}/meetings
// and .../PATCH/meetings/{meetingId}). The rule: accept what Zoom accepts, refuse only what Zoom
// certainly refuses (early refusals save the host's daily quota of 100 creates and updates and
// give clearer errors). Known fields are typed as Zoom documents them; fields the gateway does
// not know are forwarded to Zoom unchanged, at every level (Zoom ignores those it does not know
// and adds new ones often). Values are never rewritten: what Zoom receives is what was sent.

/**
 * Zoom coerces numeric strings on integer fields (`"duration": "30"`, `"type": "2"`): its API
 * binds JSON to typed fields and reads a numeric string as the number (the design's "Zoom facts":
 * "numbers and booleans sent as strings are coerced"; src/zoom-simulator/sim-meeting-input.ts
 * reproduces it).
 */
const integer = (min: number, max: number) =>
  z.union([z.int(), z.string().regex(/^-?\d{1,9}$/)]).refine(
    (value) => {
      const n = Number(value);
      return Number.isInteger(n) && n >= min && n <= max;
    },
    { message: `Must be an integer between ${min} and ${max}.` },
  );

const oneOfNumbers = (values: readonly number[]) =>
  z
    .union([z.int(), z.string().regex(/^-?\d{1,3}$/)])
    .refine((value) => values.includes(Number(value)), {
      message: `Must be one of ${values.join(', ')}.`,
    });

/** Booleans sent as `"true"`/`"false"` are coerced by Zoom the same way (same source). */
const boolish = z.union([z.boolean(), z.enum(['true', 'false'])]);

const ZOOM_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):?(\d{2}))?$/;

/**
 * Zoom's `start_time`. Its docs show `yyyy-MM-ddTHH:mm:ssZ` (GMT) and `yyyy-MM-ddTHH:mm:ss`
 * (local, with `timezone`); its OpenAPI types the field `format: date-time` (RFC 3339), and
 * Zoom accepts what RFC 3339 allows beyond the examples: fractional seconds, which
 * `Date.prototype.toISOString()` always writes (`2026-01-15T11:00:00.000Z`), and an offset
 * (`2026-01-15T13:00:00+02:00`). The calendar date and clock must be real ones.
 */
export function isZoomStartTime(value: string): boolean {
  const m = ZOOM_TIME.exec(value);
  if (!m) return false;
  const [y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0] = m.slice(1, 7).map(Number);
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return false;
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return (
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    h < 24 &&
    mi < 60 &&
    s < 60
  );
}

const startTime = z.string().refine(isZoomStartTime, {
  message:
    'Must be yyyy-MM-ddTHH:mm:ssZ (GMT, fractional seconds or an offset allowed) or yyyy-MM-ddTHH:mm:ss (local time in timezone).',
});

const timezone = z
  .string()
  .max(64)
  .regex(/^$|^[A-Za-z][A-Za-z0-9_+\-/]*$/, 'Must be a time zone id such as America/Los_Angeles.');
const shortString = (max: number) => z.string().max(max);
const email = z
  .string()
  .max(128)
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'Must be an email address.');

const settings = z.looseObject({
  host_video: boolish.optional(),
  participant_video: boolish.optional(),
  cn_meeting: boolish.optional(),
  in_meeting: boolish.optional(),
  join_before_host: boolish.optional(),
  jbh_time: oneOfNumbers([0, 5, 10, 15]).optional(),
  mute_upon_entry: boolish.optional(),
  watermark: boolish.optional(),
  use_pmi: boolish.optional(),
  approval_type: oneOfNumbers([0, 1, 2]).optional(),
  registration_type: oneOfNumbers([1, 2, 3]).optional(),
  audio: z.enum(['both', 'telephony', 'voip', 'thirdParty']).optional(),
  auto_recording: z.enum(['local', 'cloud', 'none']).optional(),
  enforce_login: boolish.optional(),
  enforce_login_domains: shortString(1024).optional(),
  alternative_hosts: shortString(2048).optional(),
  alternative_hosts_email_notification: boolish.optional(),
  alternative_host_update_polls: boolish.optional(),
  close_registration: boolish.optional(),
  show_share_button: boolish.optional(),
  allow_multiple_devices: boolish.optional(),
  registrants_confirmation_email: boolish.optional(),
  registrants_email_notification: boolish.optional(),
  waiting_room: boolish.optional(),
  request_permission_to_unmute_participants: boolish.optional(),
  global_dial_in_countries: z.array(shortString(8)).max(300).optional(),
  meeting_authentication: boolish.optional(),
  authentication_option: shortString(128).optional(),
  authentication_domains: shortString(1024).optional(),
  encryption_type: z.enum(['enhanced_encryption', 'e2ee']).optional(),
  contact_name: shortString(256).optional(),
  contact_email: email.optional(),
  private_meeting: boolish.optional(),
  email_notification: boolish.optional(),
  host_save_video_order: boolish.optional(),
  focus_mode: boolish.optional(),
  internal_meeting: boolish.optional(),
  participant_focused_meeting: boolish.optional(),
  push_change_to_calendar: boolish.optional(),
  auto_start_meeting_summary: boolish.optional(),
  auto_start_ai_companion_questions: boolish.optional(),
  device_testing: boolish.optional(),
  calendar_type: oneOfNumbers([1, 2]).optional(),
  meeting_invitees: z.array(z.looseObject({ email })).max(1000).optional(),
  breakout_room: z.looseObject({ enable: boolish.optional() }).optional(),
  approved_or_denied_countries_or_regions: z.looseObject({ enable: boolish.optional() }).optional(),
  language_interpretation: z.looseObject({ enable: boolish.optional() }).optional(),
  sign_language_interpretation: z.looseObject({ enable: boolish.optional() }).optional(),
  continuous_meeting_chat: z.looseObject({ enable: boolish.optional() }).optional(),
});

const recurrence = z.looseObject({
  type: oneOfNumbers([1, 2, 3]),
  repeat_interval: integer(1, 90).optional(),
  weekly_days: z
    .string()
    .regex(/^[1-7](,[1-7]){0,6}$/, 'Must be comma-separated days 1 (Sunday) to 7 (Saturday).')
    .optional(),
  monthly_day: integer(1, 31).optional(),
  monthly_week: oneOfNumbers([-1, 1, 2, 3, 4]).optional(),
  monthly_week_day: integer(1, 7).optional(),
  end_times: integer(1, 60).optional(),
  // Documented as a UTC time; read like start_time (fractions and offsets are RFC 3339 too).
  end_date_time: z
    .string()
    .refine(isZoomStartTime, 'Must be a time yyyy-MM-ddTHH:mm:ssZ.')
    .optional(),
});

/**
 * Every meeting type Zoom documents for a create: 1 instant, 2 scheduled, 3 recurring with no
 * fixed time, 8 recurring with a fixed time, 10 screen share only meeting.
 */
export const MEETING_TYPES = [1, 2, 3, 8, 10] as const;

/** Zoom's documented top-level fields of a create (and update) body; any other field is forwarded. */
export const meetingBodySchema = z.looseObject({
  agenda: z.string().max(2000, 'Length must be less than or equal to 2000.').optional(),
  default_password: boolish.optional(),
  duration: integer(0, 1_000_000).optional(),
  password: z
    .string()
    .regex(
      /^$|^[A-Za-z0-9@\-_*]{1,10}$/,
      'Password must be at most 10 characters and only contain [a-zA-Z0-9@-_*].',
    )
    .optional(),
  pre_schedule: boolish.optional(),
  recurrence: recurrence.optional(),
  schedule_for: z
    .string()
    .max(128)
    .regex(
      /^([^\s@]+@[^\s@]+\.[^\s@]+|[A-Za-z0-9_-]{1,64})$/,
      'Must be a user id or an email address.',
    )
    .optional(),
  settings: settings.optional(),
  start_time: startTime.optional(),
  template_id: z
    .string()
    .max(128)
    .regex(/^[A-Za-z0-9+/=_-]*$/, 'Must be a template id.')
    .optional(),
  timezone: timezone.optional(),
  topic: z.string().max(200, 'Length must be less than or equal to 200.').optional(),
  tracking_fields: z
    .array(z.looseObject({ field: shortString(256), value: shortString(256) }))
    .max(50)
    .optional(),
  type: oneOfNumbers(MEETING_TYPES).optional(),
});

export type MeetingBody = z.infer<typeof meetingBodySchema>;

/** Keys that would reach an object's prototype if someone merged the body naively. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 8;

const NUL_MESSAGE = 'Must not contain a NUL character (\\u0000).';

/**
 * Finds prototype-pollution keys, absurd nesting and NUL characters anywhere in a parsed JSON
 * value. NUL: PostgreSQL text cannot hold one, so a body carrying one is refused before Zoom
 * (it would make a meeting whose record cannot be written).
 */
export function findUnsafeKeys(value: unknown, path = '', depth = 0): FieldError[] {
  if (typeof value === 'string' && value.includes('\u0000'))
    return [{ field: path || 'body', message: NUL_MESSAGE }];
  if (typeof value !== 'object' || value === null) return [];
  if (depth > MAX_DEPTH)
    return [{ field: path || 'body', message: `Nested deeper than ${MAX_DEPTH} levels.` }];
  const errors: FieldError[] = [];
  const entries = Array.isArray(value)
    ? value.map((v, i) => [String(i), v] as const)
    : Object.entries(value);
  for (const [key, child] of entries) {
    const field = path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key)) errors.push({ field, message: 'This field name is not allowed.' });
    else if (key.includes('\u0000')) errors.push({ field, message: NUL_MESSAGE });
    else errors.push(...findUnsafeKeys(child, field, depth + 1));
    if (errors.length >= 20) break;
  }
  return errors;
}

/** Zod issues as Zoom's `errors: [{field, message}]`, naming each unknown field. */
export function toFieldErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.flatMap((issue) => {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: base ? `${base}.${key}` : key,
        message: 'Unknown field.',
      }));
    }
    if (issue.code === 'invalid_union') {
      return [{ field: base || 'body', message: 'Invalid field.' }];
    }
    return [{ field: base || 'body', message: issue.message }];
  });
}
