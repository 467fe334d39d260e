import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../common/clock.js';
import { errorMessage, ZoomApiError } from '../../common/errors/index.js';
import { ZoomApiClient } from '../../zoom/api/zoom-api.client.js';
import { MeetingLifecycle } from '../meeting-lifecycle.service.js';
import { clip } from '../meeting.entity.js';
import {
  type CheckCandidate,
  type CheckOutcome,
  MeetingsRepository,
} from '../meetings.repository.js';
import { getMeetingRequest, type ZoomMeeting } from '../zoom-meeting.js';

/** Active records checked per run, and the start-time window that makes a record worth checking. */
export const RECONCILE_BATCH = 50;
const WINDOW_PAST_MS = 24 * 3600_000;
const WINDOW_AHEAD_MS = 30 * 24 * 3600_000;
/** Zoom is pacing us or refusing us after this many errors: the next run continues with the rest. */
const MAX_ERRORS = 3;

/** What checking active records found: Zoom ids deleted and updated. */
export interface ActiveCheck {
  checked: number;
  deleted: string[];
  updated: string[];
  errors: number;
}

/** SQLite keeps timestamps as UTC text; the pg driver hands back a Date. */
function toMs(value: Date | string | null): number | null {
  if (value === null) return null;
  if (value instanceof Date) return value.getTime();
  const ms = Date.parse(/Z$|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * Asks Zoom about a batch of `active` records whose start is near, those checked longest ago
 * first: a 3001 marks the record deleted, a changed topic, start, duration or timezone is copied.
 */
@Injectable()
export class ActiveChecker {
  private readonly logger = new Logger('Reconciliation');

  constructor(
    private readonly zoom: ZoomApiClient,
    private readonly records: MeetingsRepository,
    private readonly lifecycle: MeetingLifecycle,
    private readonly clock: Clock,
  ) {}

  async check(): Promise<ActiveCheck> {
    const now = this.clock.now();
    const report: ActiveCheck = { checked: 0, deleted: [], updated: [], errors: 0 };
    await this.records.pruneChecks();
    const candidates = await this.records.checkCandidates(
      new Date(now - WINDOW_PAST_MS),
      new Date(now + WINDOW_AHEAD_MS),
      RECONCILE_BATCH,
    );
    for (const candidate of candidates) {
      const outcome = await this.checkOne(candidate, report);
      await this.records.recordCheck(candidate.id, outcome);
      if (outcome === 'error' && report.errors >= MAX_ERRORS) break;
    }
    return report;
  }

  private async checkOne(candidate: CheckCandidate, report: ActiveCheck): Promise<CheckOutcome> {
    const zoomId = String(candidate.zoom_meeting_id);
    report.checked++;
    let meeting: ZoomMeeting;
    try {
      const response = await this.zoom.request<ZoomMeeting>(getMeetingRequest(zoomId));
      meeting = response.data;
    } catch (error) {
      if (
        error instanceof ZoomApiError &&
        error.httpStatus === 404 &&
        error.zoomBody?.code === 3001
      ) {
        const changed = await this.lifecycle.markDeletedByZoom(
          zoomId,
          'Zoom answered 3001 (meeting does not exist) to reconciliation',
        );
        if (changed) {
          report.deleted.push(zoomId);
          this.logger.log(`Meeting ${zoomId} no longer exists in Zoom: record marked deleted`);
        }
        return 'deleted';
      }
      report.errors++;
      this.logger.warn(`Reconciliation could not check meeting ${zoomId}: ${errorMessage(error)}`);
      return 'error';
    }
    if (differs(candidate, meeting)) {
      const { topic, start_time, duration, timezone } = meeting;
      if (await this.lifecycle.applyZoomUpdate(zoomId, { topic, start_time, duration, timezone }))
        report.updated.push(zoomId);
    }
    return 'present';
  }
}

/** Whether Zoom's topic, start, duration or timezone differ from the record (so unchanged records are not rewritten). */
function differs(record: CheckCandidate, meeting: ZoomMeeting): boolean {
  if (typeof meeting.topic === 'string' && clip(meeting.topic, 'topic') !== (record.topic ?? ''))
    return true;
  if (typeof meeting.duration === 'number' && meeting.duration !== record.duration) return true;
  if (
    typeof meeting.timezone === 'string' &&
    meeting.timezone !== '' &&
    meeting.timezone !== record.timezone
  )
    return true;
  if (typeof meeting.start_time === 'string' && meeting.start_time.endsWith('Z')) {
    const zoomStart = Date.parse(meeting.start_time);
    if (!Number.isNaN(zoomStart) && zoomStart !== toMs(record.start_time)) return true;
  }
  return false;
}
