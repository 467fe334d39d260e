import type { CallKind } from '../config/grants.js';
import { decodePathSegment } from '../common/zoom-path.js';

/**
 * Which area of Zoom's API a `/v2` path belongs to, for grants, and which meeting it names, for
 * ownership. The area is the path's first segment, except for the paths below, where the
 * resource named last is what the call reads or changes:
 *
 * | path (relative to /v2)                         | area       | meeting id |
 * | ---------------------------------------------- | ---------- | ---------- |
 * | `/users/{id}/meetings`, `/users/{id}/upcoming_meetings`, `/users/{id}/meeting_templates`, `/users/{id}/meeting_summaries` | meetings | - |
 * | `/users/{id}/recordings`                       | recordings | -          |
 * | `/users/{id}/webinars`, `/users/{id}/webinar_templates` | webinars | - |
 * | `/meetings/{id}/recordings...`, `/past_meetings/{id}/recordings...` | recordings | {id} |
 * | `/meetings/{id}...`, `/past_meetings/{id}...`, `/live_meetings/{id}...` | meetings | {id} |
 * | `/report/meetings/{id}...`                     | reports    | {id}       |
 * | `/metrics/meetings/{id}...`                    | dashboards | {id}       |
 * | `/past_meetings...`, `/live_meetings...`       | meetings   | -          |
 * | `/past_webinars...`                            | webinars   | -          |
 * | `/report...`                                   | reports    | -          |
 * | `/metrics...`                                  | dashboards | -          |
 * | `/{first}...` (anything else)                  | {first}    | -          |
 *
 * Segments are compared decoded and case-insensitively (Zoom decodes them too), so
 * `/%6Deetings/1` is the meetings area like `/meetings/1`.
 */
export interface ZoomTarget {
  area: string;
  /** The meeting the path names (a numeric id, or a UUID as written, decoded), if any. */
  meetingId?: string;
  /** A list of a user's meetings (Zoom answers every app's): `own` callers see theirs only. */
  meetingList: boolean;
}

// Maps, not object literals: a path segment such as `constructor` must not find a prototype's member.
const FIRST_SEGMENT_ALIASES: ReadonlyMap<string, string> = new Map([
  ['past_meetings', 'meetings'],
  ['live_meetings', 'meetings'],
  ['past_webinars', 'webinars'],
  ['report', 'reports'],
  ['metrics', 'dashboards'],
]);

/** `/users/{id}/<this>`: the area of a user's sub-resource. */
const USER_SUB_RESOURCES: ReadonlyMap<string, string> = new Map([
  ['meetings', 'meetings'],
  ['upcoming_meetings', 'meetings'],
  ['meeting_templates', 'meetings'],
  ['meeting_summaries', 'meetings'],
  ['recordings', 'recordings'],
  ['webinars', 'webinars'],
  ['webinar_templates', 'webinars'],
]);

const USER_MEETING_LISTS = new Set(['meetings', 'upcoming_meetings']);

/** First segments whose second segment is a meeting id. */
const MEETING_ROOTS = new Set(['meetings', 'past_meetings', 'live_meetings']);

/** `/{root}/meetings/{id}`: reports and dashboards about one meeting. */
const MEETING_REPORT_ROOTS: ReadonlyMap<string, string> = new Map([
  ['report', 'reports'],
  ['metrics', 'dashboards'],
]);

/** GET and HEAD read; every other method writes. */
export function callKindOf(method: string): CallKind {
  const upper = method.toUpperCase();
  return upper === 'GET' || upper === 'HEAD' ? 'read' : 'write';
}

/** The area and meeting of a path relative to `/v2` (e.g. `/meetings/123/recordings`), without its query. */
export function zoomTargetOf(path: string): ZoomTarget {
  const segments = path
    .split('/')
    .slice(1)
    .map(decodePathSegment)
    .filter((segment, index, all) => segment !== '' || index < all.length - 1);
  const names = segments.map((segment) => segment.toLowerCase());
  const [first = '', second, third] = names;
  const id = (index: number): string | undefined => {
    const value = segments[index];
    return value === undefined || value === '' ? undefined : value;
  };
  const userArea =
    first === 'users' && third !== undefined ? USER_SUB_RESOURCES.get(third) : undefined;
  if (userArea !== undefined && third !== undefined) {
    return {
      area: userArea,
      meetingList: names.length === 3 && USER_MEETING_LISTS.has(third),
    };
  }
  if (MEETING_ROOTS.has(first) && id(1) !== undefined) {
    const area = third === 'recordings' && first !== 'live_meetings' ? 'recordings' : 'meetings';
    return { area, meetingId: id(1), meetingList: false };
  }
  const reportArea = MEETING_REPORT_ROOTS.get(first);
  if (reportArea !== undefined && second === 'meetings' && id(2) !== undefined) {
    return { area: reportArea, meetingId: id(2), meetingList: false };
  }
  return { area: FIRST_SEGMENT_ALIASES.get(first) ?? first, meetingList: false };
}
