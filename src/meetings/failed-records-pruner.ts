import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { ShutdownSignal } from '../common/shutdown-signal.js';
import { AppConfig } from '../config/app-config.js';
import { JobsService } from '../coordination/jobs.service.js';
import { MeetingsRepository } from './meetings.repository.js';

export const FAILED_RECORDS_PRUNE_JOB = 'meetings-failed-prune';
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Rows per delete: short statements, so a large backlog never holds a lock for long. */
export const PRUNE_BATCH = 500;
/** At most this many batches per run (100,000 rows); the rest go in the next hour's run. */
const MAX_BATCHES = 200;

/**
 * Deletes `failed` meeting records (Zoom made nothing for them) once they are older than
 * FAILED_MEETINGS_RETENTION_DAYS: kept that long to tell what failed, then they are noise. One
 * replica of the fleet per hour (the job's lease), also once at start, so a fleet restarted
 * more often than hourly still prunes.
 */
@Injectable()
export class FailedRecordsPruner implements OnApplicationBootstrap {
  private readonly logger = new Logger('Meetings');

  constructor(
    private readonly records: MeetingsRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly jobs: JobsService,
    private readonly shutdown: ShutdownSignal,
  ) {}

  onApplicationBootstrap(): void {
    this.jobs.fleetEvery(
      FAILED_RECORDS_PRUNE_JOB,
      HOUR_MS,
      async () => {
        await this.prune();
      },
      { immediately: true },
    );
  }

  /** Deletes failed records past the retention, in batches; resolves with how many went. */
  async prune(): Promise<number> {
    const days = this.config.failedMeetingsRetentionDays;
    const cutoff = new Date(this.clock.now() - days * DAY_MS);
    let pruned = 0;
    for (let batch = 0; batch < MAX_BATCHES && !this.shutdown.triggered; batch++) {
      const deleted = await this.records.deleteFailedBefore(cutoff, PRUNE_BATCH);
      pruned += deleted;
      if (deleted < PRUNE_BATCH) break;
    }
    if (pruned)
      this.logger.log(`Pruned ${pruned} failed meeting record(s) older than ${days} day(s)`);
    return pruned;
  }
}
