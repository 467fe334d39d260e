import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, MoreThanOrEqual, type Repository } from 'typeorm';
import { Clock } from '../../../common/clock.js';
import { AppConfig } from '../../../config/app-config.js';
import { JobsService } from '../../../coordination/jobs.service.js';
import { MetricsService } from '../../../metrics/metrics.service.js';
import type { MintReason } from '../token-store/token-store.js';
import { ZoomTokenMintEntity } from './zoom-token-mint.entity.js';
import { loggableError } from '../../../common/errors/loggable-error.js';

export interface MintRecord {
  reason: MintReason;
  /** 'ok' or the failure kind (invalid_client, rate_limited, server_error, timeout, unreachable, ...). */
  outcome: string;
  credentialVersion: number;
  latencyMs: number;
  /** The token's fingerprint (never the token); absent when no token was minted. */
  tokenFingerprint?: string | null;
  at?: number;
}

/** Mint attempts in one rolling window, fleet-wide. */
export interface MintWindow {
  /** Attempts, successful or not. */
  total: number;
  /** Tokens Zoom actually minted. */
  minted: number;
  byReason: Record<string, number>;
  byOutcome: Record<string, number>;
}

/** The fleet's mints against the hourly budget (diagnostics, the doctor). */
export interface MintSummary {
  budgetPerHour: number;
  lastHour: MintWindow;
  lastDay: MintWindow;
  overBudget: boolean;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The prune job: one replica of the fleet per hour (the ledger grows by about one row an hour). */
export const MINT_LEDGER_PRUNE_JOB = 'mint-ledger-prune';

/**
 * The ledger of every mint: a row per attempt and a Prometheus counter. Writes never block the
 * caller (fire-and-forget, errors logged); a budget of mints per rolling hour warns when exceeded.
 */
@Injectable()
export class MintLedgerService implements OnModuleInit {
  private readonly logger = new Logger('ZoomMintLedger');
  private readonly mints;
  private readonly pending = new Set<Promise<void>>();
  private lastBudgetWarning = 0;

  constructor(
    @InjectRepository(ZoomTokenMintEntity)
    private readonly repository: Repository<ZoomTokenMintEntity>,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    metrics: MetricsService,
    private readonly jobs: JobsService,
  ) {
    this.mints = metrics.counter('zoom_token_mints_total', 'Attempts to mint a Zoom access token', [
      'reason',
      'outcome',
    ]);
  }

  onModuleInit(): void {
    this.jobs.fleetEvery(MINT_LEDGER_PRUNE_JOB, HOUR_MS, async () => {
      const pruned = await this.prune();
      if (pruned)
        this.logger.log(
          `Pruned ${pruned} mint ledger row(s) older than ${this.config.mintLedgerRetentionDays} day(s)`,
        );
    });
  }

  /**
   * Deletes rows older than MINT_LEDGER_RETENTION_DAYS (never inside the day the summary reads);
   * resolves with how many went.
   */
  async prune(): Promise<number> {
    const days = Math.max(1, this.config.mintLedgerRetentionDays);
    const result = await this.repository.delete({
      at: LessThan(new Date(this.clock.now() - days * DAY_MS)),
    });
    return result.affected ?? 0;
  }

  /** Records one mint attempt without making the caller wait for the database. */
  record(entry: MintRecord): void {
    this.mints.inc({ reason: entry.reason, outcome: entry.outcome });
    const write = this.write(entry)
      .catch((error: Error) =>
        this.logger.error(
          `Could not record a ${entry.reason} mint in the ledger: ${loggableError(error, 'database')}`,
        ),
      )
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  /** Resolves when every ledger write started so far has finished (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all(this.pending);
  }

  async summary(): Promise<MintSummary> {
    const now = this.clock.now();
    const [lastHour, lastDay] = await Promise.all([
      this.window(now - HOUR_MS),
      this.window(now - DAY_MS),
    ]);
    return {
      budgetPerHour: this.config.mintBudgetPerHour,
      lastHour,
      lastDay,
      overBudget: lastHour.minted > this.config.mintBudgetPerHour,
    };
  }

  /** The most recent attempts, newest first (diagnostics). */
  recent(limit = 20): Promise<ZoomTokenMintEntity[]> {
    return this.repository.find({
      order: { at: 'DESC', id: 'DESC' },
      take: Math.min(Math.max(limit, 1), 500),
    });
  }

  private async window(sinceMs: number): Promise<MintWindow> {
    const rows = await this.repository
      .createQueryBuilder('m')
      .select('m.reason', 'reason')
      .addSelect('m.outcome', 'outcome')
      .addSelect('COUNT(*)', 'count')
      .where('m.at >= :since', { since: new Date(sinceMs) })
      .groupBy('m.reason')
      .addGroupBy('m.outcome')
      .getRawMany<{ reason: string; outcome: string; count: string | number }>();
    const byReason: Record<string, number> = {};
    const byOutcome: Record<string, number> = {};
    let total = 0;
    for (const row of rows) {
      const count = Number(row.count);
      total += count;
      byReason[row.reason] = (byReason[row.reason] ?? 0) + count;
      byOutcome[row.outcome] = (byOutcome[row.outcome] ?? 0) + count;
    }
    return { total, minted: byOutcome.ok ?? 0, byReason, byOutcome };
  }

  private mintsSince(sinceMs: number): Promise<number> {
    return this.repository.count({
      where: { outcome: 'ok', at: MoreThanOrEqual(new Date(sinceMs)) },
    });
  }

  private async write(entry: MintRecord): Promise<void> {
    const at = entry.at ?? this.clock.now();
    await this.repository.insert({
      at: new Date(at),
      replicaId: this.config.replicaId.slice(0, 128),
      credentialVersion: entry.credentialVersion,
      reason: entry.reason,
      outcome: entry.outcome.slice(0, 32),
      latencyMs: Math.max(0, Math.round(entry.latencyMs)),
      tokenFingerprint: entry.tokenFingerprint ?? null,
    });
    if (entry.outcome !== 'ok') return;
    const lastHour = await this.mintsSince(at - HOUR_MS);
    if (lastHour > this.config.mintBudgetPerHour && at - this.lastBudgetWarning > 60_000) {
      this.lastBudgetWarning = at;
      this.logger.warn(
        `Mint budget exceeded: ${lastHour} tokens minted by the fleet in the last hour (budget ${this.config.mintBudgetPerHour}, ` +
          'ZOOM_MINT_BUDGET_PER_HOUR). Over-minting is what got apps blocked; see the ledger in diagnostics.',
      );
    }
  }
}
