import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError, ErrorCode, ZoomApiError } from '../common/errors/index.js';
import { AppConfig } from '../config/app-config.js';
import { LeaseService } from '../coordination/lease.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ZoomApiClient } from '../zoom/api/zoom-api.client.js';
import { MeetingsService, type ReconcileResult, type ZoomMeeting } from './meetings.service.js';

/** Active records checked per run, and the start-time window that makes a record worth checking. */
export const RECONCILE_BATCH = 50;
const WINDOW_PAST_MS = 24 * 3600_000;
const WINDOW_AHEAD_MS = 30 * 24 * 3600_000;
/** A run holds this fleet-wide lease, so a manual run never overlaps a scheduled one. */
const RUN_LEASE = 'meetings-reconcile:running';
const RUN_LEASE_TTL_MS = 5 * 60_000;
const TASK = 'meetings-reconcile';

export interface ReconciliationReport {
  trigger: 'scheduled' | 'manual';
  replica: string;
  /** The interval window this run claimed (scheduled runs). */
  window?: number;
  creating: ReconcileResult;
  checked: number;
  deleted: string[];
  updated: string[];
  errors: number;
  durationMs: number;
}

interface Candidate {
  id: string;
  zoom_meeting_id: string | number;
  topic: string | null;
  duration: number | null;
  timezone: string | null;
  start_time: Date | string | null;
}

type CheckOutcome = 'present' | 'deleted' | 'error';

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** SQLite keeps timestamps as UTC text; the pg driver hands back a Date. */
function toMs(value: Date | string | null): number | null {
  if (value === null) return null;
  if (value instanceof Date) return value.getTime();
  const ms = Date.parse(/Z$|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * Keeps records true to Zoom when webhooks are off or missed one: every RECONCILE_INTERVAL
 * one replica of the fleet (the first to claim the interval window) resolves `creating`
 * records and asks Zoom about a batch of `active` ones whose start is near, those checked
 * longest ago first. Every call goes through ZoomApiClient, so the rate-limit governor paces it.
 * Idempotent: a second run over the same state changes nothing.
 */
@Injectable()
export class MeetingsReconciler implements OnApplicationBootstrap {
  private readonly logger = new Logger('Reconciliation');
  private readonly reconciled;
  private readonly runs;
  private running = false;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly leases: LeaseService,
    private readonly scheduler: SchedulerRegistry,
    private readonly meetings: MeetingsService,
    private readonly zoom: ZoomApiClient,
    @InjectDataSource() private readonly dataSource: DataSource,
    metrics: MetricsService,
  ) {
    this.reconciled = metrics.counter(
      'meetings_reconciled_total',
      'Meeting records changed by reconciliation',
      ['change'],
    );
    this.runs = metrics.counter(
      'meetings_reconcile_runs_total',
      'Reconciliation runs done by this replica',
      ['trigger'],
    );
  }

  private get intervalMs(): number {
    return this.config.reconcileIntervalSeconds * 1000;
  }

  onApplicationBootstrap(): void {
    const timer = setInterval(() => void this.tick(), this.intervalMs);
    timer.unref();
    this.scheduler.addInterval(TASK, timer);
    this.logger.log(
      `Reconciliation every ${this.config.reconcileIntervalSeconds} s, by one replica of the fleet per interval`,
    );
  }

  /** One scheduled tick: work only if this replica is the first in the fleet to claim the window. */
  async tick(): Promise<ReconciliationReport | null> {
    if (this.running) return null;
    try {
      const window = Math.floor(this.clock.now() / this.intervalMs);
      if (!(await this.leases.claimInterval(TASK, this.intervalMs))) return null;
      return await this.run('scheduled', window);
    } catch (error) {
      this.logger.error(`Reconciliation failed: ${messageOf(error)}`);
      return null;
    }
  }

  /** Runs now (admin route); 409 when a run is already in progress in the fleet. */
  async runNow(): Promise<ReconciliationReport> {
    const report = await this.run('manual');
    if (!report) {
      throw new DomainError(
        ErrorCode.Conflict,
        'A reconciliation run is already in progress; try again shortly.',
      );
    }
    return report;
  }

  private async run(
    trigger: 'scheduled' | 'manual',
    window?: number,
  ): Promise<ReconciliationReport | null> {
    if (this.running) return null;
    this.running = true;
    const lease = await this.leases.tryAcquire(RUN_LEASE, RUN_LEASE_TTL_MS).catch(() => null);
    if (!lease) {
      this.running = false;
      return null;
    }
    const started = this.clock.now();
    try {
      this.runs.inc({ trigger });
      this.logger.log(
        `Reconciliation run (${trigger}${window !== undefined ? `, window ${window}` : ''}) by replica ${this.config.replicaId}`,
      );
      const creating = await this.meetings.reconcileCreating();
      this.reconciled.inc({ change: 'creating_to_active' }, creating.active);
      this.reconciled.inc({ change: 'creating_to_failed' }, creating.failed);
      const report: ReconciliationReport = {
        trigger,
        replica: this.config.replicaId,
        ...(window !== undefined ? { window } : {}),
        creating,
        checked: 0,
        deleted: [],
        updated: [],
        errors: 0,
        durationMs: 0,
      };
      await this.checkActive(report);
      report.durationMs = this.clock.now() - started;
      const changed =
        creating.active + creating.failed + report.deleted.length + report.updated.length;
      const summary =
        `checked ${report.checked}, deleted ${report.deleted.length}, updated ${report.updated.length}, ` +
        `creating->active ${creating.active}, creating->failed ${creating.failed}, errors ${report.errors}`;
      if (changed || report.errors)
        this.logger.log(`Reconciliation done in ${report.durationMs} ms: ${summary}`);
      else this.logger.debug(`Reconciliation done in ${report.durationMs} ms: ${summary}`);
      return report;
    } finally {
      await this.leases.release(lease).catch(() => undefined);
      this.running = false;
    }
  }

  private async checkActive(report: ReconciliationReport): Promise<void> {
    const now = this.clock.now();
    // Records of meetings no longer active need no check row.
    await this.dataSource
      .createQueryBuilder()
      .delete()
      .from('meeting_checks')
      // Per check row, one primary-key lookup: the cost follows the rows kept, not all meetings ever made.
      .where(
        "EXISTS (SELECT 1 FROM meetings m WHERE m.id = meeting_checks.meeting_id AND m.status <> 'active')",
      )
      .execute();
    const candidates: Candidate[] = await this.dataSource
      .createQueryBuilder()
      .select(['m.id AS id', 'm.zoom_meeting_id AS zoom_meeting_id', 'm.topic AS topic'])
      .addSelect(['m.duration AS duration', 'm.timezone AS timezone', 'm.start_time AS start_time'])
      .from('meetings', 'm')
      .leftJoin('meeting_checks', 'c', 'c.meeting_id = m.id')
      .where("m.status = 'active'")
      .andWhere('m.zoom_meeting_id IS NOT NULL')
      .andWhere('(m.start_time IS NULL OR (m.start_time >= :from AND m.start_time <= :to))', {
        from: new Date(now - WINDOW_PAST_MS),
        to: new Date(now + WINDOW_AHEAD_MS),
      })
      .orderBy('CASE WHEN c.checked_at IS NULL THEN 0 ELSE 1 END', 'ASC')
      .addOrderBy('c.checked_at', 'ASC')
      .addOrderBy('m.created_at', 'ASC')
      .limit(RECONCILE_BATCH)
      .getRawMany<Candidate>();
    for (const candidate of candidates) {
      const outcome = await this.checkOne(candidate, report);
      await this.recordCheck(candidate.id, outcome);
      // Zoom is pacing us or refusing us: stop here, the next run continues with the rest.
      if (outcome === 'error' && report.errors >= 3) break;
    }
  }

  private async checkOne(
    candidate: Candidate,
    report: ReconciliationReport,
  ): Promise<CheckOutcome> {
    const zoomId = String(candidate.zoom_meeting_id);
    report.checked++;
    let meeting: ZoomMeeting;
    try {
      const response = await this.zoom.request<ZoomMeeting>({
        method: 'GET',
        path: `/meetings/${zoomId}`,
        category: 'light',
        route: 'GET /meetings/:meetingId',
      });
      meeting = response.data;
    } catch (error) {
      if (
        error instanceof ZoomApiError &&
        error.httpStatus === 404 &&
        error.zoomBody?.code === 3001
      ) {
        const changed = await this.meetings.markDeletedByZoom(
          zoomId,
          'Zoom answered 3001 (meeting does not exist) to reconciliation',
        );
        if (changed) {
          report.deleted.push(zoomId);
          this.reconciled.inc({ change: 'active_to_deleted' });
          this.logger.log(`Meeting ${zoomId} no longer exists in Zoom: record marked deleted`);
        }
        return 'deleted';
      }
      report.errors++;
      this.logger.warn(`Reconciliation could not check meeting ${zoomId}: ${messageOf(error)}`);
      return 'error';
    }
    if (this.differs(candidate, meeting)) {
      const changed = await this.meetings.applyZoomUpdate(zoomId, {
        topic: meeting.topic,
        start_time: meeting.start_time,
        duration: meeting.duration,
        timezone: meeting.timezone,
      });
      if (changed) {
        report.updated.push(zoomId);
        this.reconciled.inc({ change: 'updated' });
      }
    }
    return 'present';
  }

  /** Whether Zoom's topic, start, duration or timezone differ from the record (so unchanged records are not rewritten). */
  private differs(record: Candidate, meeting: ZoomMeeting): boolean {
    if (typeof meeting.topic === 'string' && meeting.topic.slice(0, 200) !== (record.topic ?? ''))
      return true;
    if (typeof meeting.duration === 'number' && meeting.duration !== record.duration) {
      return true;
    }
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

  private async recordCheck(meetingId: string, outcome: CheckOutcome): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into('meeting_checks', ['meeting_id', 'checked_at', 'outcome'])
      .values({ meeting_id: meetingId, checked_at: new Date(this.clock.now()), outcome })
      .orUpdate(['checked_at', 'outcome'], ['meeting_id'])
      .execute();
  }
}
