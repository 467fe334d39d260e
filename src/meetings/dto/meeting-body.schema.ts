import { z } from 'zod';
import type { FieldError } from '../../common/errors/index.js';

// Zoom's create/update meeting bodies (developers.zoom.us/docs/api/meetings/#tag/meetings/POST/users/{userId}/meetings).
// Top-level fields are a closed set: anything else is refused with the field named. `settings`
// types its known fields and lets newer Zoom settings through, since Zoom adds them often.

/** Zoom accepts integers sent as numeric strings ("duration": "30"); so does the gateway. */
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

const ZOOM_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(Z?)$/;

/** Zoom's two `start_time` formats: `yyyy-MM-ddTHH:mm:ssZ` (GMT) and `yyyy-MM-ddTHH:mm:ss` (local, with `timezone`). */
export function isZoomStartTime(value: string): boolean {
  const m = ZOOM_TIME.exec(value);
  if (!m) return false;
  const [y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0] = m.slice(1, 7).map(Number);
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
  message: 'Must be yyyy-MM-ddTHH:mm:ssZ (GMT) or yyyy-MM-ddTHH:mm:ss (local time in timezone).',
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
  host_video: z.boolean().optional(),
  participant_video: z.boolean().optional(),
  cn_meeting: z.boolean().optional(),
  in_meeting: z.boolean().optional(),
  join_before_host: z.boolean().optional(),
  jbh_time: oneOfNumbers([0, 5, 10, 15]).optional(),
  mute_upon_entry: z.boolean().optional(),
  watermark: z.boolean().optional(),
  use_pmi: z.boolean().optional(),
  approval_type: oneOfNumbers([0, 1, 2]).optional(),
  registration_type: oneOfNumbers([1, 2, 3]).optional(),
  audio: z.enum(['both', 'telephony', 'voip', 'thirdParty']).optional(),
  auto_recording: z.enum(['local', 'cloud', 'none']).optional(),
  enforce_login: z.boolean().optional(),
  enforce_login_domains: shortString(1024).optional(),
  alternative_hosts: shortString(2048).optional(),
  alternative_hosts_email_notification: z.boolean().optional(),
  alternative_host_update_polls: z.boolean().optional(),
  close_registration: z.boolean().optional(),
  show_share_button: z.boolean().optional(),
  allow_multiple_devices: z.boolean().optional(),
  registrants_confirmation_email: z.boolean().optional(),
  registrants_email_notification: z.boolean().optional(),
  waiting_room: z.boolean().optional(),
  request_permission_to_unmute_participants: z.boolean().optional(),
  global_dial_in_countries: z.array(shortString(8)).max(300).optional(),
  meeting_authentication: z.boolean().optional(),
  authentication_option: shortString(128).optional(),
  authentication_domains: shortString(1024).optional(),
  encryption_type: z.enum(['enhanced_encryption', 'e2ee']).optional(),
  contact_name: shortString(256).optional(),
  contact_email: email.optional(),
  private_meeting: z.boolean().optional(),
  email_notification: z.boolean().optional(),
  host_save_video_order: z.boolean().optional(),
  focus_mode: z.boolean().optional(),
  internal_meeting: z.boolean().optional(),
  participant_focused_meeting: z.boolean().optional(),
  push_change_to_calendar: z.boolean().optional(),
  auto_start_meeting_summary: z.boolean().optional(),
  auto_start_ai_companion_questions: z.boolean().optional(),
  device_testing: z.boolean().optional(),
  calendar_type: oneOfNumbers([1, 2]).optional(),
  meeting_invitees: z.array(z.strictObject({ email })).max(1000).optional(),
  breakout_room: z.looseObject({ enable: z.boolean().optional() }).optional(),
  approved_or_denied_countries_or_regions: z
    .looseObject({ enable: z.boolean().optional() })
    .optional(),
  language_interpretation: z.looseObject({ enable: z.boolean().optional() }).optional(),
  sign_language_interpretation: z.looseObject({ enable: z.boolean().optional() }).optional(),
  continuous_meeting_chat: z.looseObject({ enable: z.boolean().optional() }).optional(),
});

const recurrence = z.strictObject({
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
  end_date_time: z
    .string()
    .regex(
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/,
      'Must be a UTC time yyyy-MM-ddTHH:mm:ssZ.',
    )
    .optional(),
});

/** Zoom's documented top-level fields of a create (and update) body. */
export const meetingBodySchema = z.strictObject({
  agenda: z.string().max(2000, 'Length must be less than or equal to 2000.').optional(),
  default_password: z.boolean().optional(),
  duration: integer(0, 1_000_000).optional(),
  password: z
    .string()
    .regex(
      /^$|^[A-Za-z0-9@\-_*]{1,10}$/,
      'Password must be at most 10 characters and only contain [a-zA-Z0-9@-_*].',
    )
    .optional(),
  pre_schedule: z.boolean().optional(),
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
    .array(z.strictObject({ field: shortString(256), value: shortString(256) }))
    .max(50)
    .optional(),
  type: oneOfNumbers([1, 2, 3, 8]).optional(),
});

export type MeetingBody = z.infer<typeof meetingBodySchema>;

/** Keys that would reach an object's prototype if someone merged the body naively. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 8;

/** Finds prototype-pollution keys and absurd nesting anywhere in a parsed JSON value. */
export function findUnsafeKeys(value: unknown, path = '', depth = 0): FieldError[] {
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
