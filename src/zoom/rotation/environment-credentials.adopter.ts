import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../../common/clock.js';
import { DomainError, ErrorCode, errorMessage } from '../../common/errors/index.js';
import {
  CredentialsService,
  type EnvironmentSecretRefusal,
} from '../credentials/credentials.service.js';
import { CredentialRotationService } from './credential-rotation.service.js';

/**
 * A secret is trusted only once Zoom accepts it: ZOOM_* credentials in this replica's
 * environment that differ from the stored active version go through the same stage-validate-
 * activate path as a rotation by an admin. Refused, nothing changes for the fleet; this
 * replica keeps serving with the stored version, logs one error naming the variable, and
 * CredentialsService.environmentSecretRefused says so to health and diagnostics.
 */
@Injectable()
export class EnvironmentCredentialsAdopter implements OnApplicationBootstrap {
  private readonly logger = new Logger('ZoomCredentials');

  constructor(
    private readonly credentials: CredentialsService,
    private readonly rotation: CredentialRotationService,
    private readonly clock: Clock,
  ) {}

  /** Before the replica serves: one validation mint, only when the environment changed. */
  async onApplicationBootstrap(): Promise<void> {
    await this.adopt();
  }

  async adopt(): Promise<void> {
    const candidate = this.credentials.environmentCandidate();
    if (!candidate) return;
    const { credentials, variable } = candidate;
    try {
      const result = await this.rotation.rotate({
        clientSecret: credentials.clientSecret,
        clientId: credentials.clientId,
        accountId: credentials.accountId,
        actor: 'environment',
        source: 'environment',
      });
      this.credentials.settleEnvironmentCandidate(null);
      if (result.changed)
        this.logger.log(
          `${variable} from the environment was accepted by Zoom: version ${result.version} (fingerprint ${result.fingerprint}) is active for the fleet`,
        );
    } catch (error) {
      const active = this.credentials.active();
      const rejected = error instanceof DomainError && error.code === ErrorCode.CredentialsRejected;
      const refusal: EnvironmentSecretRefusal = {
        variable,
        clientId: credentials.clientId,
        fingerprint: candidate.fingerprint,
        at: new Date(this.clock.now()).toISOString(),
        reason: errorMessage(error),
        outcome: rejected ? 'rejected' : 'unverified',
        activeVersion: active.version,
      };
      this.credentials.settleEnvironmentCandidate(refusal);
      this.logger.error(
        `${variable} in this replica's environment (fingerprint ${candidate.fingerprint}) ` +
          `${rejected ? 'was refused by Zoom' : 'could not be checked with Zoom'}: ${refusal.reason}. ` +
          `It is not used; this replica keeps serving with stored version ${active.version} (fingerprint ${active.fingerprint}). ` +
          'Correct the variable, or rotate through POST /api/admin/zoom/credentials or `npm run cli -- rotate-secret`.',
      );
    }
  }
}
