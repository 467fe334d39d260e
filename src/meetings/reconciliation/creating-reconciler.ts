import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../common/clock.js';
import { errorMessage } from '../../common/errors/index.js';
import { IdempotencyService } from '../idempotency.service.js';
import { MeetingLifecycle } from '../meeting-lifecycle.service.js';
import type { MeetingEntity } from '../meeting.entity.js';
import { MeetingsRepository } from '../meetings.repository.js';
import type { ZoomListItem } from '../zoom-meeting.js';
import { matchCreatingRecord } from './meeting-matching.js';
import { ZoomMeetingFinder } from './zoom-meeting-finder.js';

export interface ReconcileResult {
  examined: number;
  active: number;
  failed: number;
  /** Left `creating`: Zoom could not list the user now, or an instant meeting (Zoom never lists those). */
  pending: number;
}

export const DEFAULT_CREATING_AGE_MS = 120_000;
const BATCH = 200;

/**
 * Resolves records left `creating` (a crash or a lost answer between the record and Zoom's
 * answer): the user's meetings are listed in Zoom and a meeting Zoom made for the record is
 * recognised by topic, type, start time, duration and a creation time close to the record's
 * (see meeting-matching.ts). Found -> `active` with Zoom's id; not found -> `failed`.
 * A record whose attempt is still running (a fresh heartbeat: a retry's new attempt) is skipped.
 * Instant meetings (type 1) are never failed: Zoom's list does not return them, so not finding
 * one proves nothing; they stay `creating` and are counted `pending`.
 */
@Injectable()
export class CreatingReconciler {
  private readonly logger = new Logger('Reconciliation');

  constructor(
    private readonly finder: ZoomMeetingFinder,
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
    for (const [user, candidates] of byUser) {
      // Held before Zoom is listed: an attempt still running (a retry's, another replica's) is
      // left alone, and none can start on these records while this run decides them.
      const records: MeetingEntity[] = [];
      for (const record of candidates)
        if (await this.lifecycle.takeOver(record)) records.push(record);
      if (records.length === 0) continue;
      const stopBeating = this.lifecycle.keepAttemptsAlive(records.map((r) => r.id));
      try {
        await this.settle(user, records, result);
      } finally {
        stopBeating();
      }
    }
    if (pending.length || instant)
      this.logger.log(`Reconciled creating meetings: ${JSON.stringify(result)}`);
    return result;
  }

  private async settle(user: string, records: MeetingEntity[], result: ReconcileResult) {
    let available: ZoomListItem[];
    try {
      available = await this.finder.unheld(user);
    } catch (error) {
      this.logger.warn(`Reconciliation could not list meetings of ${user}: ${errorMessage(error)}`);
      result.pending += records.length;
      for (const record of records)
        await this.lifecycle.releaseAttempt(record).catch(() => undefined);
      return;
    }
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
}
