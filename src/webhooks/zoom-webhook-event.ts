import { DomainError } from '../common/errors/index.js';
import type { ZoomMeetingObject, ZoomMeetingUpdate } from './meeting-records.port.js';

/** A Zoom event as received: `{event, payload, event_ts}`. */
export interface ZoomWebhookEvent {
  event: string;
  payload: Record<string, unknown>;
  event_ts?: number;
}

/** The event types with their own metric label; anything else counts as `other` (bounded cardinality). */
export const KNOWN_EVENTS = [
  'endpoint.url_validation',
  'meeting.created',
  'meeting.updated',
  'meeting.deleted',
] as const;

export function eventLabel(event: string): string {
  return (KNOWN_EVENTS as readonly string[]).includes(event) ? event : 'other';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Zoom meeting ids are int64: JSON.parse would round one above 2^53. Integer `id` values of 16
 * or more digits are turned into strings before parsing (only to read them; the signature and
 * the dedupe hash use the raw bytes).
 */
const LONG_ID = /(?<!\\)("id"\s*:\s*)(\d{16,})(?=\s*[,}\]])/g;

/** Parses the signed raw body; bad JSON, a non-object or a missing `event` is a 400, never a 500. */
export function parseZoomEvent(rawBody: Buffer): ZoomWebhookEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody.toString('utf8').replace(LONG_ID, '$1"$2"'));
  } catch {
    throw DomainError.validation('Request body is not valid JSON.');
  }
  if (!isObject(parsed)) throw DomainError.validation('Request body must be a JSON object.');
  if (typeof parsed.event !== 'string' || parsed.event === '' || parsed.event.length > 100) {
    throw DomainError.validation('Request body must carry the event name in "event".', [
      { field: 'event', message: 'must be a non-empty string' },
    ]);
  }
  const payload = parsed.payload === undefined ? {} : parsed.payload;
  if (!isObject(payload)) {
    throw DomainError.validation('"payload" must be a JSON object.', [
      { field: 'payload', message: 'must be an object' },
    ]);
  }
  return {
    event: parsed.event,
    payload,
    event_ts: typeof parsed.event_ts === 'number' ? parsed.event_ts : undefined,
  };
}

/** The plain token of `endpoint.url_validation`, checked so the answer never echoes something odd. */
export function plainTokenOf(event: ZoomWebhookEvent): string {
  const token = event.payload.plainToken;
  if (typeof token !== 'string' || token === '' || token.length > 256) {
    throw DomainError.validation('endpoint.url_validation needs payload.plainToken.', [
      {
        field: 'payload.plainToken',
        message: 'must be a non-empty string of at most 256 characters',
      },
    ]);
  }
  return token;
}

/** Zoom's meeting id (a positive integer of at most 19 digits) as a decimal string, or undefined. */
function meetingIdOf(value: unknown): string | undefined {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  return typeof text === 'string' && /^[1-9]\d{0,18}$/.test(text) ? text : undefined;
}

/** The meeting object of a meeting.* event with its id as a string; undefined when there is none. */
export function meetingObjectOf(event: ZoomWebhookEvent): ZoomMeetingObject | undefined {
  const object = event.payload.object;
  if (!isObject(object)) return undefined;
  const id = meetingIdOf(object.id);
  if (!id) return undefined;
  const meeting: ZoomMeetingObject = { id, ...updateFieldsOf(object) };
  if (typeof object.uuid === 'string') meeting.uuid = object.uuid;
  if (typeof object.host_id === 'string') meeting.host_id = object.host_id;
  if (typeof object.type === 'number') meeting.type = object.type;
  if (typeof object.join_url === 'string') meeting.join_url = object.join_url;
  if (typeof object.created_at === 'string') meeting.created_at = object.created_at;
  return meeting;
}

/**
 * Whether a `meeting.deleted` or `meeting.updated` event is about one occurrence of a recurring
 * meeting rather than the whole meeting. Zoom's event reference
 * (developers.zoom.us/docs/api/meetings/events/#tag/meeting/POST/meeting.deleted and
 * .../meeting.updated): `meeting.deleted` carries `payload.operation` `"single"` or `"all"`
 * and, for one occurrence, `payload.object.occurrences`; `meeting.updated` carries
 * `payload.scope` `"single"` or `"all"`.
 */
export function oneOccurrenceOnly(event: ZoomWebhookEvent): boolean {
  if (event.event === 'meeting.deleted') {
    if (event.payload.operation === 'single') return true;
    if (event.payload.operation === 'all') return false;
    const object = event.payload.object;
    return isObject(object) && Array.isArray(object.occurrences) && object.occurrences.length > 0;
  }
  if (event.event === 'meeting.updated') return event.payload.scope === 'single';
  return false;
}

/** The fields a `meeting.updated` event changed that the record keeps, each only if well-typed. */
export function updateFieldsOf(object: unknown): ZoomMeetingUpdate {
  const fields: ZoomMeetingUpdate = {};
  if (!isObject(object)) return fields;
  if (typeof object.topic === 'string') fields.topic = object.topic.slice(0, 200);
  if (typeof object.start_time === 'string' && !Number.isNaN(Date.parse(object.start_time))) {
    fields.start_time = object.start_time;
  }
  if (
    typeof object.duration === 'number' &&
    Number.isInteger(object.duration) &&
    object.duration >= 0
  ) {
    fields.duration = object.duration;
  }
  if (typeof object.timezone === 'string' && object.timezone.length <= 64)
    fields.timezone = object.timezone;
  return fields;
}
