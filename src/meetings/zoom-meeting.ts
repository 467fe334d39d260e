// One family of types for Zoom's meeting object, and the few readers every part of the module
// shares (exact int64 ids, start times). The rest of what Zoom sends is relayed untouched.
import type { ZoomRequest } from '../zoom/api/zoom-api.types.js';

/**
 * Zoom's meeting object as far as the gateway reads it: what a create, a get, a list entry and
 * a webhook's `payload.object` have in common. Every field is optional because each source
 * fills a different subset. `id` is int64: read it with `zoomIdString`, never as a number.
 */
export interface ZoomMeeting {
  id?: unknown;
  uuid?: string;
  host_id?: string;
  host_email?: string;
  topic?: string;
  type?: number;
  start_time?: string;
  duration?: number;
  timezone?: string;
  join_url?: string;
  created_at?: string;
}

/** Zoom's "Get a meeting" (Light), as every reader of one meeting sends it. */
export function getMeetingRequest(
  meetingId: string,
  extra: Pick<ZoomRequest, 'query' | 'app'> = {},
): ZoomRequest {
  return {
    method: 'GET',
    path: `/meetings/${meetingId}`,
    ...extra,
  };
}

/** An entry of Zoom's `GET /users/{userId}/meetings`: the same object, fewer fields filled. */
export type ZoomListItem = ZoomMeeting;

/** A meeting whose int64 id has been read exactly, as a decimal string. */
export type ZoomMeetingWithId = Omit<ZoomMeeting, 'id'> & { id: string };

/** The fields a change names (a `meeting.updated` event, a PATCH body): loosely typed, since callers send `"30"` for 30. */
export type ZoomMeetingChange = Partial<
  Record<'topic' | 'type' | 'start_time' | 'duration' | 'timezone' | 'join_url', unknown>
>;

/**
 * Zoom's int64 meeting id as a decimal string. A string or bigint is taken as is; a JS number
 * only while it is exact (below 2^53): anything else is refused rather than rounded.
 */
export function zoomIdString(id: unknown): string | null {
  if (typeof id === 'string' && /^[1-9]\d{0,18}$/.test(id)) return id;
  if (typeof id === 'bigint' && id > 0n) return id.toString();
  if (typeof id === 'number' && Number.isSafeInteger(id) && id > 0) return String(id);
  return null;
}

/**
 * JSON text of a Zoom answer with its int64 ids written back as JSON numbers. The Zoom client
 * reads ids of 16+ digits as exact strings (see parseZoomJson); this undoes exactly that, so a
 * caller sees `"id":1234567890123456789` as Zoom wrote it, never a rounded or quoted id.
 */
export function zoomJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /("(?:id|meeting_id|occurrence_id)":)"(\d{16,19})"/g,
    '$1$2',
  );
}

/**
 * A Zoom `start_time` as an instant, when it names its zone: `...Z` or an offset, with or without
 * fractional seconds. A local time (`yyyy-MM-ddTHH:mm:ss`, read in `timezone`) stays unknown.
 */
export function utcStart(value: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/.test(value))
    return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** An instant in Zoom's GMT format, `yyyy-MM-ddTHH:mm:ssZ` (no fraction, as Zoom writes it). */
export function zoomTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
