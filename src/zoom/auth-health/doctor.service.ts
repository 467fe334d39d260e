import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../common/clock.js';
import { fingerprint } from '../../common/crypto/encryption.service.js';
import { AppConfig } from '../../config/app-config.js';
import { DailyBlocks } from '../api/daily-blocks.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import type { ZoomCredentials } from '../credentials/zoom-credentials.js';
import type { ZoomAuthState } from '../token/auth-state.js';
import { MintLedgerService, type MintSummary } from '../token/mint-ledger/mint-ledger.service.js';
import { blockInWords } from '../limits/block-scope.js';
import { AuthHealthReadModel } from './auth-health.read-model.js';
import { type ProbeMintOutcome, type ProbeReport, ZoomProbeService } from './zoom-probe.service.js';
import type { ZoomVerdictCode } from './zoom-verdict.js';
import { loggableError } from '../../common/errors/loggable-error.js';

/**
 * Verdicts definite enough to move the fleet's state (a fixed app leaves `rejected` at once).
 * Rate limits and reachability are left out: the operator's network is not the fleet's.
 */
const FLEET_STATE: Partial<Record<ZoomVerdictCode, ZoomAuthState>> = {
  healthy: 'ok',
  app_refused: 'rejected',
  wrong_client_credentials: 'invalid_credentials',
  wrong_account_id: 'invalid_credentials',
  missing_scopes: 'degraded',
};

export interface DoctorReport extends ProbeReport {
  checkedAt: string;
  replicaId: string;
  /** Mints recorded by the fleet (the doctor's own probe included), against the hourly budget. */
  mints?: MintSummary;
  warnings: string[];
}

/**
 * `npm run doctor`: tests the stored active credentials from scratch (one mint, one cheap
 * call) and says, in words, which of the known failures it is.
 */
@Injectable()
export class DoctorService {
  private readonly logger = new Logger('Doctor');

  constructor(
    private readonly credentials: CredentialsService,
    private readonly probes: ZoomProbeService,
    private readonly ledger: MintLedgerService,
    private readonly health: AuthHealthReadModel,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly blocks: DailyBlocks,
  ) {}

  async run(): Promise<DoctorReport> {
    const credentials = this.credentials.active();
    const { report, cause } = await this.probes.probe(credentials, (outcome) =>
      this.recordProbe(credentials, outcome).catch((error: Error) => {
        this.logger.warn(
          `Could not record the probe mint in the ledger: ${loggableError(error, 'database')}`,
        );
      }),
    );
    const warnings: string[] = [];
    const state = FLEET_STATE[report.verdict.code];
    if (state) {
      await this.health
        .recordValidation(
          {
            at: new Date(this.clock.now()).toISOString(),
            replicaId: `doctor:${this.config.replicaId}`,
            outcome: state,
            reason: `doctor: ${report.verdict.summary}`,
            cause,
            latencyMs: (report.mint.latencyMs ?? 0) + (report.call?.latencyMs ?? 0),
            credentialVersion: credentials.version,
            owner: report.token
              ? { userId: report.token.ownerUserId, accountId: report.token.accountId }
              : undefined,
          },
          { updateState: true },
        )
        .catch((error: Error) =>
          warnings.push(`Could not share the verdict with the fleet: ${loggableError(error)}`),
        );
    }
    const mints = await this.ledger.summary().catch((error: Error) => {
      warnings.push(`Mint ledger unavailable: ${loggableError(error, 'database')}`);
      return undefined;
    });
    if (mints?.overBudget) {
      warnings.push(
        `${mints.lastHour.minted} tokens minted in the last hour exceed the budget of ${mints.budgetPerHour}: ` +
          'something is minting more than one token per lifetime (see GET /api/admin/zoom/diagnostics).',
      );
    }
    // A healthy app can still be refused by Zoom all day: say which daily limits are spent.
    warnings.push(...this.blocks.list().map(blockInWords));
    return {
      checkedAt: new Date(this.clock.now()).toISOString(),
      replicaId: this.config.replicaId,
      ...report,
      mints,
      warnings,
    };
  }

  /** The doctor's mint is a real mint: it goes in the ledger as `probe`, and is waited for. */
  private async recordProbe(
    credentials: ZoomCredentials,
    outcome: ProbeMintOutcome,
  ): Promise<void> {
    this.ledger.record({
      reason: 'probe',
      outcome: outcome.ok ? 'ok' : outcome.error.kind,
      credentialVersion: credentials.version,
      latencyMs: outcome.latencyMs,
      tokenFingerprint: outcome.ok ? fingerprint(outcome.token.accessToken) : null,
    });
    await this.ledger.flush();
  }
}
