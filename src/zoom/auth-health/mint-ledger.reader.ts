import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Clock } from '../../common/clock.js';
import { AppConfig } from '../../config/app-config.js';
import { MintLedgerService } from '../token/mint-ledger/mint-ledger.service.js';
import type { ProbeMintOutcome } from './zoom-probe.service.js';

export interface MintWindow {
  /** Attempts, successful or not. */
  total: number;
  /** Tokens Zoom actually minted. */
  minted: number;
  byReason: Record<string, number>;
  byOutcome: Record<string, number>;
}

export interface MintSummary {
  budgetPerHour: number;
  lastHour: MintWindow;
  lastDay: MintWindow;
  overBudget: boolean;
}

const HOUR_MS = 3_600_000;

/** This feature's view of the token service's mint ledger: summaries, and the doctor's probe row. */
@Injectable()
export class MintLedgerReader {
  constructor(
    private readonly ledger: MintLedgerService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async summary(): Promise<MintSummary> {
    const now = this.clock.now();
    const [hour, day] = await Promise.all([
      this.ledger.summary({ sinceMs: now - HOUR_MS }),
      this.ledger.summary({ sinceMs: now - 24 * HOUR_MS }),
    ]);
    const window = (s: typeof hour): MintWindow => ({
      total: s.total,
      minted: s.byOutcome.ok ?? 0,
      byReason: s.byReason,
      byOutcome: s.byOutcome,
    });
    return {
      budgetPerHour: this.config.mintBudgetPerHour,
      lastHour: window(hour),
      lastDay: window(day),
      overBudget: hour.budgetExceeded,
    };
  }

  /** The doctor's mint is a real mint: it goes in the ledger as `probe`, and is waited for. */
  async recordProbe(credentialVersion: number, outcome: ProbeMintOutcome): Promise<void> {
    this.ledger.record({
      reason: 'probe',
      outcome: outcome.ok ? 'ok' : outcome.error.kind,
      credentialVersion,
      latencyMs: outcome.latencyMs,
      tokenFingerprint: outcome.ok
        ? createHash('sha256').update(outcome.token.accessToken).digest('hex').slice(0, 12)
        : null,
    });
    await this.ledger.flush();
  }
}
