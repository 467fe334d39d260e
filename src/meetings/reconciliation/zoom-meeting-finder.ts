import { Injectable } from '@nestjs/common';
import { ZoomApiError } from '../../common/errors/index.js';
import { ZoomApiClient } from '../../zoom/api/zoom-api.client.js';
import type { MeetingEntity } from '../meeting.entity.js';
import { MeetingsRepository } from '../meetings.repository.js';
import { type ZoomListItem, zoomIdString } from '../zoom-meeting.js';
import { matchCreatingRecord } from './meeting-matching.js';

const MAX_PAGES = 10;

/**
 * Finds in Zoom the meeting a create left `creating` may have made: the user's scheduled and
 * upcoming meetings, less those another record already holds, matched as meeting-matching.ts
 * says. Used by reconciliation and by a retry with the same Idempotency-Key.
 */
@Injectable()
export class ZoomMeetingFinder {
  constructor(
    private readonly zoom: ZoomApiClient,
    private readonly records: MeetingsRepository,
  ) {}

  /** The meeting Zoom made for this record, or undefined when it made none; throws when Zoom cannot list now. */
  async find(record: MeetingEntity): Promise<ZoomListItem | undefined> {
    return matchCreatingRecord(record, await this.unheld(record.hostUser));
  }

  /** The user's meetings in Zoom that no record holds yet. */
  async unheld(user: string): Promise<ZoomListItem[]> {
    const items = await this.listAll(user);
    const held = await this.records.heldZoomIds(
      items.map((i) => zoomIdString(i.id)).filter((id): id is string => id !== null),
    );
    return items.filter((item) => {
      const id = zoomIdString(item.id);
      return id !== null && !held.has(id);
    });
  }

  /** The user's scheduled and upcoming meetings ([] for a user Zoom does not know); throws when Zoom cannot list them. */
  async listAll(user: string): Promise<ZoomListItem[]> {
    const byId = new Map<string, ZoomListItem>();
    try {
      for (const type of ['scheduled', 'upcoming']) {
        let token: string | undefined;
        for (let page = 0; page < MAX_PAGES; page++) {
          const response = await this.zoom.request<{
            meetings?: ZoomListItem[];
            next_page_token?: string;
          }>({
            method: 'GET',
            path: `/users/${encodeURIComponent(user)}/meetings`,
            query: { type, page_size: 300, next_page_token: token },
          });
          for (const item of response.data.meetings ?? []) {
            const id = zoomIdString(item.id);
            if (id !== null) byId.set(id, item);
          }
          token = response.data.next_page_token || undefined;
          if (!token) break;
        }
      }
    } catch (error) {
      // 1001: the user does not exist, so Zoom made nothing for it.
      if (error instanceof ZoomApiError && error.httpStatus === 404) return [];
      throw error;
    }
    return [...byId.values()];
  }
}
