import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../common/clock.js';
import { errorMessage, ZoomApiError } from '../../common/errors/index.js';
import { ZoomApiClient } from '../../zoom/api/zoom-api.client.js';
import { IdempotencyService } from '../idempotency.service.js';
import { MeetingLifecycle } from '../meeting-lifecycle.service.js';
import type { MeetingEntity } from '../meeting.entity.js';
import { MeetingsRepository } from '../meetings.repository.js';
import { type ZoomListItem, zoomIdString } from '../zoom-meeting.js';
import { matchCreatingRecord } from './meeting-matching.js';

export interface ReconcileResult {
  examined: number;
  active: number;
  failed: number;
  /** Left `creating`: Zoom could not list the user now, or an instant meeting (Zoom never lists those). */
  pending: number;
}

export const DEFAULT_CREATING_AGE_MS = 120_000;
const BATCH = 200;
const MAX_PAGES = 10;

/**
 * Resolves records left `creating` (a crash or a lost answer between the record and Zoom's
 * answer): the user's meetings are listed in Zoom and a meeting Zoom made for the record is
 * recognised by topic, type, start time, duration and a creation time close to the record's
 * (see meeting-matching.ts). Found -> `active` with Zoom's id; not found -> `failed`.
 * Instant meetings (type 1) are never failed: Zoom's list does not return them, so not finding
 * one proves nothing; they stay `creating` and are counted `pending`.
 */
@Injectable()
export class CreatingReconciler {
  private readonly logger = new Logger('Reconciliation');

  constructor(
    private readonly zoom: ZoomApiClient,
    private readonly records: MeetingsRepository,
    private readonly lifecycle: MeetingLifecycle,
    private readonly idempotency: IdempotencyService,
    private readonly clock: Clock,
  ) {}

  /** Records younger than `olderThanMs` are left alone: another replica may still be creating them. */
  async reconcile(olderThanMs = DEFAULT_CREATING_AGE_MS): Promise<ReconcileResult> {
    await this.idempotency.expire();
    const cutoff = new Date(this.clock.now() - olderThanMs);
    const pending = await this.records.creatingBefore(cutoff, BATCH);
    const instant = await this.records.instantCreatingBefore(cutoff);
    const result: ReconcileResult = {
      examined: pending.length,
      active: 0,
      failed: 0,
      pending: instant,
    };
    const byUser = new Map<string, MeetingEntity[]>();
    for (const record of pending)
      byUser.set(record.hostUser, [...(byUser.get(record.hostUser) ?? []), record]);
    for (const [user, records] of byUser) {
      const items = await this.listAll(user);
      if (items === null) {
        result.pending += records.length;
        continue;
      }
      const held = await this.records.heldZoomIds(
        items.map((i) => zoomIdString(i.id)).filter((id): id is string => id !== null),
      );
      const available = items.filter((item) => {
        const id = zoomIdString(item.id);
        return id !== null && !held.has(id);
      });
      for (const record of records) {
        const match = matchCreatingRecord(record, available);
        if (match) {
          available.splice(available.indexOf(match), 1);
          if (await this.lifecycle.complete(record, match, null)) result.active++;
        } else if (
          await this.lifecycle.fail(
            record,
            'Not found in Zoom by reconciliation: the create did not take effect.',
          )
        ) {
          result.failed++;
        }
      }
    }
    if (pending.length || instant)
      this.logger.log(`Reconciled creating meetings: ${JSON.stringify(result)}`);
    return result;
  }

  /** The user's scheduled and upcoming meetings; null when Zoom cannot list them right now. */
  private async listAll(user: string): Promise<ZoomListItem[] | null> {
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
            category: 'medium',
            route: 'GET /users/:userId/meetings',
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
      this.logger.warn(`Reconciliation could not list meetings of ${user}: ${errorMessage(error)}`);
      return null;
    }
    return [...byId.values()];
  }
}
