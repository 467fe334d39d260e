import type { MeetingEntity } from '../meeting.entity.js';
import type { ZoomListItem } from '../zoom-meeting.js';

/** Zoom's creation time and ours may differ by clock skew and by the time the call took. */
const CREATED_AT_TOLERANCE_MS = 5 * 60_000;

/**
 * Finds the meeting Zoom made for a record left `creating`. Zoom offers no client-supplied
 * marker on a meeting (tracking fields must be set up by an account admin first, and the
 * agenda belongs to the caller), so a meeting is recognised by what the caller asked for:
 * the same topic, type, start time and duration where the record knows them, created in
 * Zoom within a few minutes of the record or of its latest attempt, and not already owned by
 * another record. Among several candidates the one created closest to either wins.
 */
export function matchCreatingRecord(
  record: MeetingEntity,
  items: readonly ZoomListItem[],
): ZoomListItem | undefined {
  // A retry may have started a later attempt: a meeting made by either is this record's.
  const attempts = [record.createdAt.getTime()];
  if (record.attemptStartedAt) attempts.push(record.attemptStartedAt.getTime());
  let best: { item: ZoomListItem; distance: number } | undefined;
  for (const item of items) {
    if (record.topic !== null && item.topic !== record.topic) continue;
    if (record.type !== null && item.type !== undefined && item.type !== record.type) continue;
    if (
      record.duration !== null &&
      item.duration !== undefined &&
      item.duration !== record.duration
    )
      continue;
    if (record.startTime !== null && item.start_time !== undefined) {
      if (Math.abs(Date.parse(item.start_time) - record.startTime.getTime()) >= 1000) continue;
    }
    const createdAt = item.created_at ? Date.parse(item.created_at) : Number.NaN;
    if (Number.isNaN(createdAt)) continue;
    const distance = Math.min(...attempts.map((at) => Math.abs(createdAt - at)));
    if (distance > CREATED_AT_TOLERANCE_MS) continue;
    if (!best || distance < best.distance) best = { item, distance };
  }
  return best?.item;
}
