import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock.js';
import { isDatabaseUnavailable } from '../common/errors/database-errors.js';
import { loggableError } from '../common/errors/loggable-error.js';
import { ShutdownSignal } from '../common/shutdown-signal.js';
import { changeColumns } from './meeting-columns.js';
import { MeetingsRepository } from './meetings.repository.js';
import {
  type RecordChange,
  recordedFields,
  type RecordRepair,
  RepairJournal,
} from './repair-journal.js';

/** When a record write fails after Zoom accepted the change, it is tried again after these delays (then every last one). */
export const REPAIR_DELAYS_MS: readonly number[] = [1_000, 5_000, 30_000];
/** At shutdown, pending repairs get one more try for at most this long... */
export const SHUTDOWN_TRY_MS = 5_000;
/** ...and never into the last part of the shutdown deadline, which is for keeping what is left. */
export const KEEP_RESERVE_MS = 2_000;

interface Pending {
  repair: RecordRepair;
  tries: number;
  /** In the journal (picked up at start): forgotten there once written. */
  journaled: boolean;
  timer?: NodeJS.Timeout;
  writing?: Promise<boolean>;
}

/** "update of meeting 123 (topic, duration)", "delete of meeting 123": what a log line names. */
function describe(repair: RecordRepair): string {
  if (repair.kind === 'delete') return `delete of meeting ${repair.meetingId}`;
  return `update of meeting ${repair.meetingId} (${Object.keys(repair.change).join(', ')})`;
}

/**
 * Record writes that must follow a change Zoom already accepted (an update or a delete through
 * the gateway): the caller gets Zoom's answer even when the database fails the write, and the
 * write is repaired later. A repair is data (the change and when Zoom accepted it), so nothing
 * is lost: while the process runs it is retried (REPAIR_DELAYS_MS, then every 30 s while the
 * database is unavailable); at shutdown it gets one more try, and what is still pending is kept
 * in the RepairJournal (Redis, else DATA_DIR), which the next start of any replica applies.
 * Replaying is safe in any order and any number of times: an update only lands while no later
 * write touched the record (see MeetingsRepository.applyChange), a delete only on a live record.
 */
@Injectable()
export class RecordRepairs implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Meetings');
  private readonly pending = new Map<string, Pending>();
  private stopping = false;
  /** The start's pick-up of kept repairs, running in the background (tests await it). */
  resumed: Promise<number> = Promise.resolve(0);

  constructor(
    private readonly records: MeetingsRepository,
    private readonly clock: Clock,
    // Without a journal (a test harness) repairs still pending at shutdown are logged whole.
    @Optional() private readonly journal?: RepairJournal,
    @Optional() private readonly shutdown?: ShutdownSignal,
  ) {}

  /** Repairs written neither to the record nor given up yet. */
  get size(): number {
    return this.pending.size;
  }

  onApplicationBootstrap(): void {
    if (!this.journal?.appliedAtStart) return;
    this.resumed = this.resume().catch((error: unknown) => {
      this.logger.warn(`Could not read kept record repairs: ${loggableError(error)}`);
      return 0;
    });
  }

  /**
   * Writes `change` now; when the database fails it, keeps it as a repair and resolves anyway
   * (Zoom already acted: the caller gets Zoom's answer).
   */
  async follow(change: RecordChange): Promise<void> {
    const repair: RecordRepair = {
      ...(change.kind === 'update' ? { ...change, change: recordedFields(change.change) } : change),
      id: randomUUID(),
      acceptedAt: new Date(this.clock.now()).toISOString(),
    };
    if (repair.kind === 'update' && Object.keys(repair.change).length === 0) return;
    try {
      await this.write(repair);
    } catch (error) {
      this.logger.warn(
        `Zoom accepted the ${describe(repair)} but its record could not be updated (${loggableError(error, 'database')}); retrying in the background`,
      );
      this.hold({ repair, tries: 0, journaled: false });
    }
  }

  /** Applies the repairs an earlier shutdown kept (any replica's); resolves how many were written now. */
  async resume(): Promise<number> {
    if (!this.journal) return 0;
    const kept = (await this.journal.load()).filter((repair) => !this.pending.has(repair.id));
    if (kept.length === 0) return 0;
    this.logger.log(`Applying ${kept.length} record repair(s) kept by an earlier shutdown`);
    const done = await Promise.all(
      kept.map((repair) => {
        const entry: Pending = { repair, tries: 0, journaled: true };
        this.pending.set(repair.id, entry);
        return this.retry(entry);
      }),
    );
    return done.filter(Boolean).length;
  }

  /**
   * Within the shutdown deadline: every pending repair is tried once more, and those the
   * database still refuses are kept for the next start. Before the database and Redis close
   * (their modules close them in onApplicationShutdown).
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const entry of this.pending.values()) clearTimeout(entry.timer);
    const entries = [...this.pending.values()];
    if (entries.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([this.resumed, ...entries.map((entry) => this.retry(entry))]),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, this.tryBudget()))),
      ]);
      clearTimeout(timer);
    }
    // Kept even when a last try is still running: if it lands, replaying it changes nothing.
    const still = [...this.pending.values()];
    const rekept = still.length - still.filter((e) => !e.journaled).length;
    if (rekept > 0)
      this.logger.warn(
        `${rekept} record repair(s) picked up at start are still not written; they stay kept`,
      );
    const left = still.filter((e) => !e.journaled).map((e) => e.repair);
    if (left.length > 0) await this.keep(left);
  }

  /** Keeps `left` for the next start, saying where; or logs each whole when nothing takes them. */
  private async keep(left: RecordRepair[]): Promise<void> {
    try {
      if (!this.journal) throw new Error('no journal');
      const where = await this.journal.save(left);
      const place =
        where === 'redis'
          ? 'in Redis: the next start of any replica applies them'
          : `in ${this.journal.file}: the next start with this DATA_DIR applies them`;
      this.logger.warn(
        `Shutting down with ${left.length} record repair(s) not written (${left.map(describe).join('; ')}); kept ${place}`,
      );
    } catch (error) {
      // Nowhere to keep them: each is logged whole, so an operator can redo it.
      for (const repair of left)
        this.logger.error(
          `Record repair lost at shutdown (${loggableError(error)}): ${JSON.stringify(repair)}; reconciliation's active check re-reads the meeting from Zoom`,
        );
    }
  }

  /** What is left of the shutdown deadline for one more try, less the time to keep the rest. */
  private tryBudget(): number {
    const deadline = this.shutdown?.deadlineAt;
    const left = deadline === undefined ? SHUTDOWN_TRY_MS : deadline - Date.now() - KEEP_RESERVE_MS;
    return Math.max(0, Math.min(SHUTDOWN_TRY_MS, left));
  }

  private write(repair: RecordRepair): Promise<boolean> {
    const at = new Date(repair.acceptedAt);
    return repair.kind === 'update'
      ? this.records.applyChange(repair.meetingId, changeColumns(repair.change), at)
      : this.records.markDeleted(repair.meetingId, repair.reason, at);
  }

  private hold(entry: Pending): void {
    this.pending.set(entry.repair.id, entry);
    // Shutdown already kept what was pending: one failing this late is kept on its own.
    if (this.stopping) void this.keep([entry.repair]);
    else this.schedule(entry);
  }

  private schedule(entry: Pending): void {
    if (this.stopping) return;
    const delay = REPAIR_DELAYS_MS[Math.min(entry.tries, REPAIR_DELAYS_MS.length - 1)] ?? 0;
    entry.timer = setTimeout(() => void this.retry(entry), delay);
    entry.timer.unref();
  }

  /** One more try (sharing a try already running); true when the repair is done with. */
  private retry(entry: Pending): Promise<boolean> {
    clearTimeout(entry.timer);
    entry.writing ??= this.attempt(entry).finally(() => (entry.writing = undefined));
    return entry.writing;
  }

  private async attempt(entry: Pending): Promise<boolean> {
    const { repair } = entry;
    entry.tries++;
    try {
      await this.write(repair);
    } catch (error) {
      const why = loggableError(error, 'database');
      if (isDatabaseUnavailable(error) || entry.tries < REPAIR_DELAYS_MS.length) {
        if (entry.tries === REPAIR_DELAYS_MS.length)
          this.logger.warn(
            `Record still not updated after the ${describe(repair)} (${why}); trying every ${(REPAIR_DELAYS_MS.at(-1) ?? 0) / 1000} s while the database is unavailable`,
          );
        this.schedule(entry);
        return false;
      }
      // Not the database being away but this write failing: trying forever would not help.
      this.logger.error(
        `Record not updated after the ${describe(repair)} (${why}); given up: reconciliation's active check re-reads the meeting from Zoom`,
      );
      await this.forget(entry);
      return true;
    }
    this.logger.log(`Record repaired after the ${describe(repair)}`);
    await this.forget(entry);
    return true;
  }

  private async forget(entry: Pending): Promise<void> {
    this.pending.delete(entry.repair.id);
    if (entry.journaled && this.journal)
      await this.journal.remove([entry.repair.id]).catch((error: unknown) => {
        this.logger.debug(
          `Kept record repair not forgotten (${loggableError(error)}): replaying it changes nothing`,
        );
      });
  }
}
