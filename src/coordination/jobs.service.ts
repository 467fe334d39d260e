import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { errorMessage } from '../common/errors/error-message.js';
import { AppConfig } from '../config/app-config.js';
import { LeaseService } from './lease.service.js';

export type JobRun = () => Promise<void>;

export interface JobOptions {
  /** Also run one tick right away instead of waiting a whole interval. */
  immediately?: boolean;
}

interface Job {
  readonly name: string;
  readonly intervalMs: number;
  readonly run: JobRun;
  /** One replica of the fleet per interval window (through the lease), or every replica. */
  readonly fleet: boolean;
  running: Promise<boolean> | null;
}

/** How long shutdown waits for a job that is mid-run before closing the database under it. */
const DRAIN_TIMEOUT_MS = 3_000;

/**
 * The one way to run something on a schedule. `every` runs on each replica; `fleetEvery` runs
 * on one replica of the fleet per interval window (Redis lease; in-process without Redis).
 * Timers are registered with @nestjs/schedule's SchedulerRegistry, a run never overlaps the
 * previous run of the same job, failures are logged (never unhandled), timers stop on
 * shutdown, and an operator command (role `cli`) schedules nothing.
 */
@Injectable()
export class JobsService implements OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  private readonly jobs = new Map<string, Job>();
  private stopped = false;
  private readonly scheduler: SchedulerRegistry;

  constructor(
    private readonly config: AppConfig,
    private readonly leases: LeaseService,
    // The application's registry (ScheduleModule.forRoot() in AppModule); a module graph built
    // without it (a test harness) still gets working jobs, in a registry of their own.
    @Optional() scheduler?: SchedulerRegistry,
  ) {
    this.scheduler = scheduler ?? new SchedulerRegistry();
  }

  /** Runs `run` every `intervalMs` on this replica. */
  every(name: string, intervalMs: number, run: JobRun, options: JobOptions = {}): void {
    this.schedule({ name, intervalMs, run, fleet: false, running: null }, options);
  }

  /** Runs `run` once per `intervalMs` window for the whole fleet, on whichever replica claims it. */
  fleetEvery(name: string, intervalMs: number, run: JobRun, options: JobOptions = {}): void {
    this.schedule({ name, intervalMs, run, fleet: true, running: null }, options);
  }

  /** Whether `name` is scheduled in this process (false in the CLI role). */
  isScheduled(name: string): boolean {
    return this.jobs.has(name);
  }

  /**
   * One tick of a scheduled job now, exactly as its timer would run it (fleet claim, no
   * overlap, errors logged). Resolves true when the job ran and succeeded.
   */
  trigger(name: string): Promise<boolean> {
    const job = this.jobs.get(name);
    return job ? this.tick(job) : Promise.resolve(false);
  }

  /** Stops one job's timer (a run in progress finishes). */
  cancel(name: string): void {
    if (this.jobs.delete(name)) this.cancelTimer(name);
  }

  onModuleDestroy(): void {
    this.stopped = true;
    for (const name of this.jobs.keys()) this.cancelTimer(name);
  }

  /** Lets a run in progress finish (bounded) before the database and Redis close. */
  async beforeApplicationShutdown(): Promise<void> {
    const running = [...this.jobs.values()].flatMap((job) => (job.running ? [job.running] : []));
    this.jobs.clear();
    if (running.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, DRAIN_TIMEOUT_MS);
      timer.unref();
    });
    await Promise.race([Promise.allSettled(running), deadline]);
    clearTimeout(timer);
  }

  private schedule(job: Job, options: JobOptions): void {
    // An operator command borrows the module graph for one task; the fleet's replicas run the jobs.
    if (this.config.role === 'cli') return;
    if (!Number.isInteger(job.intervalMs) || job.intervalMs <= 0)
      throw new Error(`Job ${job.name}: the interval must be a positive whole number of ms`);
    if (this.jobs.has(job.name) || this.scheduler.doesExist('interval', job.name))
      throw new Error(`Job ${job.name} is already scheduled`);
    this.jobs.set(job.name, job);
    const timer = setInterval(() => void this.tick(job), job.intervalMs);
    timer.unref();
    this.scheduler.addInterval(job.name, timer);
    if (options.immediately) void this.tick(job);
  }

  private cancelTimer(name: string): void {
    if (this.scheduler.doesExist('interval', name)) this.scheduler.deleteInterval(name);
  }

  private async tick(job: Job): Promise<boolean> {
    if (this.stopped || job.running) return false;
    job.running = this.attempt(job);
    try {
      return await job.running;
    } finally {
      job.running = null;
    }
  }

  private async attempt(job: Job): Promise<boolean> {
    try {
      if (job.fleet && !(await this.leases.claimInterval(job.name, job.intervalMs))) return false;
      await job.run();
      return true;
    } catch (error) {
      this.logger.error(
        `Job ${job.name} failed: ${errorMessage(error)}; it runs again next interval`,
      );
      return false;
    }
  }
}
