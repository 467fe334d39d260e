import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../../common/clock.js';
import { DomainError, ErrorCode } from '../../common/errors/index.js';
import { AppConfig } from '../../config/app-config.js';
import { JobsService } from '../../coordination/jobs.service.js';
import { LeaseService } from '../../coordination/lease.service.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { ActiveChecker, type ActiveCheck } from './active-checker.js';
import { CreatingReconciler, type ReconcileResult } from './creating-reconciler.js';

/** A run holds this fleet-wide lease, so a manual run never overlaps a scheduled one. */
const RUN_LEASE = 'meetings-reconcile:running';
const RUN_LEASE_TTL_MS = 5 * 60_000;
/** A manual run waits this long for a run in progress elsewhere before answering 409. */
const MANUAL_WAIT_MS = 10_000;
const MANUAL_POLL_MS = 250;
const TASK = 'meetings-reconcile';

export interface ReconciliationReport extends ActiveCheck {
  trigger: 'scheduled' | 'manual';
  replica: string;
  /** The interval window this run claimed (scheduled runs). */
  window?: number;
  creating: ReconcileResult;
  durationMs: number;
}

/** What a run covers: `all` (records left creating, then a batch of active ones) or `creating` only. */
export interface RunOptions {
  scope?: 'all' | 'creating';
  creatingOlderThanMs?: number;
}

/**
 * The one reconciliation job. Every RECONCILE_INTERVAL one replica of the fleet (the first to
 * claim the interval window) resolves `creating` records and checks a batch of `active` ones
 * against Zoom; an operator's run (either admin route) is the same job under the same lease.
 * Every call goes through ZoomApiClient, so the rate-limit governor paces it. Idempotent: a
 * second run over the same state changes nothing.
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
    private readonly jobs: JobsService,
    private readonly creating: CreatingReconciler,
    private readonly active: ActiveChecker,
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
    // One replica of the fleet per interval window (JobsService claims it through the lease).
    this.jobs.fleetEvery(TASK, this.intervalMs, () => this.scheduled());
    this.logger.log(
      `Reconciliation every ${this.config.reconcileIntervalSeconds} s, by one replica of the fleet per interval`,
    );
  }

  /** One scheduled run, in the interval window this replica claimed. */
  private async scheduled(): Promise<void> {
    const window = Math.floor(this.clock.now() / this.intervalMs);
    await this.run('scheduled', {}, window);
  }

  /** Runs now (admin routes); waits briefly for a run in progress in the fleet, then answers 409. */
  async runNow(options: RunOptions = {}): Promise<ReconciliationReport> {
    const giveUpAt = this.clock.now() + MANUAL_WAIT_MS;
    for (;;) {
      const report = await this.run('manual', options);
      if (report) return report;
      if (this.clock.now() >= giveUpAt) {
        throw new DomainError(
          ErrorCode.Conflict,
          'A reconciliation run is already in progress; try again shortly.',
        );
      }
      await this.clock.sleep(MANUAL_POLL_MS);
    }
  }

  /** `POST /api/admin/meetings/reconcile`: the same job, records left creating only. */
  async runCreatingNow(olderThanMs: number): Promise<ReconcileResult> {
    return (await this.runNow({ scope: 'creating', creatingOlderThanMs: olderThanMs })).creating;
  }

  private async run(
    trigger: 'scheduled' | 'manual',
    options: RunOptions,
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
      const creating = await this.creating.reconcile(options.creatingOlderThanMs);
      this.reconciled.inc({ change: 'creating_to_active' }, creating.active);
      this.reconciled.inc({ change: 'creating_to_failed' }, creating.failed);
      const active =
        options.scope === 'creating'
          ? { checked: 0, deleted: [], updated: [], errors: 0 }
          : await this.active.check();
      this.reconciled.inc({ change: 'active_to_deleted' }, active.deleted.length);
      this.reconciled.inc({ change: 'updated' }, active.updated.length);
      const report: ReconciliationReport = {
        trigger,
        replica: this.config.replicaId,
        ...(window !== undefined ? { window } : {}),
        creating,
        ...active,
        durationMs: this.clock.now() - started,
      };
      this.logDone(report);
      return report;
    } finally {
      await this.leases.release(lease).catch(() => undefined);
      this.running = false;
    }
  }

  private logDone(report: ReconciliationReport): void {
    const { creating } = report;
    const changed =
      creating.active + creating.failed + report.deleted.length + report.updated.length;
    const summary =
      `checked ${report.checked}, deleted ${report.deleted.length}, updated ${report.updated.length}, ` +
      `creating->active ${creating.active}, creating->failed ${creating.failed}, errors ${report.errors}`;
    if (changed || report.errors)
      this.logger.log(`Reconciliation done in ${report.durationMs} ms: ${summary}`);
    else this.logger.debug(`Reconciliation done in ${report.durationMs} ms: ${summary}`);
  }
}
