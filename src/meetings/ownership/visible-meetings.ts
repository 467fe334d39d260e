import { Injectable } from '@nestjs/common';
import { AccessPolicy } from '../../access/access-policy.service.js';
import type { AuthenticatedCaller } from '../../access/caller.js';
import { parseZoomJson } from '../../zoom/api/zoom-api.client.js';
import { zoomJson } from '../zoom-meeting.js';

/** A Zoom list answer, as far as filtering reads it. */
interface ZoomListAnswer {
  status: number;
  json: string;
}

/** A meeting's id in Zoom's list, as text (int64 ids arrive as strings from parseZoomJson). */
function idOf(meeting: unknown): string | undefined {
  if (typeof meeting !== 'object' || meeting === null || !('id' in meeting)) return undefined;
  const { id } = meeting;
  return typeof id === 'number' || typeof id === 'string' ? String(id) : undefined;
}

/**
 * Zoom's list of a user's meetings holds every app's: an `own` caller gets its own only, with
 * `total_records` counting what this page kept (pages may be shorter than page_size, even
 * empty with a next_page_token: keep paging until it is empty).
 */
@Injectable()
export class VisibleMeetings {
  constructor(private readonly access: AccessPolicy) {}

  async of<T extends ZoomListAnswer>(caller: AuthenticatedCaller, answer: T): Promise<T> {
    if (caller.grants.ownership === 'all' || answer.status !== 200) return answer;
    const list = parseZoomJson(answer.json);
    if (
      typeof list !== 'object' ||
      list === null ||
      !('meetings' in list) ||
      !Array.isArray(list.meetings)
    )
      return answer;
    const meetings: unknown[] = list.meetings;
    const owned = await this.access.ownedAmong(
      caller,
      meetings.flatMap((m) => idOf(m) ?? []),
    );
    const kept = meetings.filter((m) => {
      const id = idOf(m);
      return id !== undefined && owned.has(id);
    });
    const filtered = { ...list, meetings: kept, total_records: kept.length };
    return { ...answer, json: zoomJson(filtered) };
  }
}
