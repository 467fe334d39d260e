import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../common/clock.js';
import { AppConfig } from '../../config/app-config.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import { MintLedgerReader, type MintSummary } from './mint-ledger.reader.js';
import type { ValidationOutcomeKind } from './validation-store.service.js';
import { ZoomAuthStatusService } from './zoom-auth-status.service.js';
import { type ProbeReport, ZoomProbeService } from './zoom-probe.service.js';
import type { ZoomVerdictCode } from './zoom-verdict.js';

/**
 * Verdicts definite enough to move the fleet's state (a fixed app leaves `rejected` at once).
 * Rate limits and reachability are left out: the operator's network is not the fleet's.
 */
const FLEET_OUTCOME: Partial<Record<ZoomVerdictCode, ValidationOutcomeKind>> = {
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
    private readonly ledger: MintLedgerReader,
    private readonly status: ZoomAuthStatusService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async run(): Promise<DoctorReport> {
    const credentials = this.credentials.active();
    const report = await this.probes.probe(credentials, (outcome) =>
      this.ledger.recordProbe(credentials.version, outcome).catch((error: Error) => {
        this.logger.warn(`Could not record the probe mint in the ledger: ${error.message}`);
      }),
    );
    const warnings: string[] = [];
    const outcome = FLEET_OUTCOME[report.verdict.code];
    if (outcome) {
      await this.status
        .recordValidation(
          {
            at: new Date(this.clock.now()).toISOString(),
            replicaId: `doctor:${this.config.replicaId}`,
            outcome,
            reason: `doctor: ${report.verdict.summary}`,
            latencyMs: (report.mint.latencyMs ?? 0) + (report.call?.latencyMs ?? 0),
            zoom: report.verdict.zoom,
            missingScopes: report.verdict.missingScopes,
            credentialVersion: credentials.version,
            owner: report.token
              ? { userId: report.token.ownerUserId, accountId: report.token.accountId }
              : undefined,
          },
          { updateState: true },
        )
        .catch((error: Error) =>
          warnings.push(`Could not share the verdict with the fleet: ${error.message}`),
        );
    }
    const mints = await this.ledger.summary().catch((error: Error) => {
      warnings.push(`Mint ledger unavailable: ${error.message}`);
      return undefined;
    });
    if (mints?.overBudget) {
      warnings.push(
        `${mints.lastHour.minted} tokens minted in the last hour exceed the budget of ${mints.budgetPerHour}: ` +
          'something is minting more than one token per lifetime (see GET /api/admin/zoom/diagnostics).',
      );
    }
    return {
      checkedAt: new Date(this.clock.now()).toISOString(),
      replicaId: this.config.replicaId,
      ...report,
      mints,
      warnings,
    };
  }
}
