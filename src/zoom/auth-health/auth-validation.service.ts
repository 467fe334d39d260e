import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../../common/clock.js';
import { AppConfig } from '../../config/app-config.js';
import { JobsService } from '../../coordination/jobs.service.js';
import { ZoomApiClient } from '../api/zoom-api.client.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import { NO_CAUSE } from '../token/auth-state.js';
import { AuthHealthReadModel } from './auth-health.read-model.js';
import { type AuthObservation, isNewObservation, observeError } from './auth-observation.js';
import type { ValidationRecord } from './validation-store.service.js';
import { ZoomAuthMetrics } from './zoom-auth.metrics.js';
import { CHEAP_CALL } from './zoom-probe.service.js';

export const VALIDATION_JOB = 'zoom-auth-validation';

/**
 * Scheduled credential validation: every ZOOM_AUTH_CHECK_INTERVAL seconds one replica of the
 * fleet (JobsService.fleetEvery) makes one cheap authenticated call with the current
 * token and records what it means. It never mints by itself: the token service mints only if
 * it would anyway (no token yet, or the one it has is due). Every replica reads the result.
 */
@Injectable()
export class AuthValidationService implements OnApplicationBootstrap {
  private readonly logger = new Logger('ZoomAuthValidation');

  constructor(
    private readonly config: AppConfig,
    private readonly jobs: JobsService,
    private readonly zoom: ZoomApiClient,
    private readonly credentials: CredentialsService,
    private readonly health: AuthHealthReadModel,
    private readonly metrics: ZoomAuthMetrics,
    private readonly clock: Clock,
  ) {}

  get intervalMs(): number {
    return this.config.authCheckIntervalSeconds * 1_000;
  }

  onApplicationBootstrap(): void {
    // One replica of the fleet per interval; operator commands (role cli) schedule nothing.
    this.jobs.fleetEvery(VALIDATION_JOB, this.intervalMs, async () => {
      await this.validate();
    });
  }

  /** Makes the cheap call now and records the outcome (fleet-wide). */
  async validate(): Promise<ValidationRecord> {
    const started = this.clock.now();
    let observed: AuthObservation;
    let owner: ValidationRecord['owner'];
    let updateState = true;
    try {
      const response = await this.zoom.request<{ id?: unknown; account_id?: unknown }>({
        method: CHEAP_CALL.method,
        path: CHEAP_CALL.path,
        route: CHEAP_CALL.route,
        timeoutMs: Math.min(10_000, this.intervalMs),
      });
      const me = response.data ?? {};
      observed = {
        state: 'ok',
        reason: 'Zoom accepted the current token for GET /users/me',
        cause: NO_CAUSE,
      };
      owner = {
        userId: typeof me.id === 'string' ? me.id : undefined,
        accountId: typeof me.account_id === 'string' ? me.account_id : undefined,
      };
    } catch (error) {
      observed = observeError(error, this.clock.now());
      updateState = isNewObservation(error);
    }
    const record: ValidationRecord = {
      at: new Date(this.clock.now()).toISOString(),
      replicaId: this.config.replicaId,
      outcome: observed.state,
      reason: observed.reason,
      cause: observed.cause,
      latencyMs: this.clock.now() - started,
      credentialVersion: this.credentials.active().version,
      owner,
    };
    await this.health.recordValidation(record, { updateState });
    this.metrics.validated(record.outcome);
    const line = `Zoom auth validation: ${record.outcome} (${record.reason})`;
    if (record.outcome === 'ok') this.logger.debug(line);
    else this.logger.warn(line);
    return record;
  }
}
