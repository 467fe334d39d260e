import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../../common/clock.js';
import { DomainError, ErrorCode, errorMessage } from '../../common/errors/index.js';
import { AppConfig } from '../../config/app-config.js';
import { JobsService } from '../../coordination/jobs.service.js';
import { ZoomApiClient } from '../api/zoom-api.client.js';
import { CredentialRotationService, type RotationResult } from './credential-rotation.service.js';
import {
  CREDENTIALS_POLL_INTERVAL_MS,
  CredentialsService,
  type RotationAlarm,
} from '../credentials/credentials.service.js';
import { CredentialsStore } from '../credentials/credentials.store.js';
import type { ZoomCredentialEntity } from '../credentials/zoom-credential.entity.js';
import { loggableError } from '../../common/errors/loggable-error.js';

/** How often the fleet asks "is a rotation due?"; one replica per window runs it. */
export const ROTATION_CHECK_INTERVAL_MS = 60_000;
export const ROTATION_CHECK_JOB = 'secret-rotation-check';
/**
 * Between activating the new secret and revoking the old one: long enough for every replica
 * to pick up the new version even if it missed the announcement (two polling periods).
 */
export const REVOKE_GRACE_MS = 2 * CREDENTIALS_POLL_INTERVAL_MS;
/** After a failed validation the old secret is kept alive this long, so the fleet keeps working. */
export const FAILED_ROTATION_EXTENSION_MS = 24 * 3_600_000;

export interface AutomatedRotationResult extends RotationResult {
  oldSecretRevoked: boolean;
}

interface RotateSecretAnswer {
  secret_id?: string;
  new_secret?: string;
  revoke_old_secret_time?: string;
}

/** Zoom's `revoke_old_secret_time` format: UTC `yyyy-MM-ddTHH:mm:ssZ`. */
export function zoomTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Automated rotation through Zoom's API (`POST /v2/marketplace/apps/{appId}/rotate_client_secret`):
 * open an overlap window (`new`), validate and activate the new secret fleet-wide, then revoke
 * the old one (`update`, `now`). Off unless ZOOM_APP_ID and ZOOM_SECRET_ROTATION_INTERVAL_HOURS
 * are set. Any failure leaves the old secret active and raises an alarm.
 */
@Injectable()
export class SecretRotationJob implements OnApplicationBootstrap {
  private readonly logger = new Logger('SecretRotation');

  constructor(
    private readonly config: AppConfig,
    private readonly store: CredentialsStore,
    private readonly credentials: CredentialsService,
    private readonly rotation: CredentialRotationService,
    private readonly zoom: ZoomApiClient,
    private readonly jobs: JobsService,
    private readonly clock: Clock,
  ) {}

  /** Scheduled rotation is on: an app id to rotate and an interval. */
  get scheduled(): boolean {
    return Boolean(this.config.zoomAppId && this.config.secretRotationIntervalHours);
  }

  onApplicationBootstrap(): void {
    if (!this.scheduled) return;
    this.logger.log(
      `Automated secret rotation is on: every ${this.config.secretRotationIntervalHours} h through Zoom's API for app ${this.config.zoomAppId}, ` +
        `overlap ${this.overlapMs() / 60_000} min`,
    );
    this.jobs.fleetEvery(ROTATION_CHECK_JOB, ROTATION_CHECK_INTERVAL_MS, async () => {
      await this.rotateIfDue();
    });
  }

  /** One check (the replica that claimed the window runs it): rotates if the active version is old enough. */
  async rotateIfDue(): Promise<AutomatedRotationResult | null> {
    if (!this.scheduled) return null;
    try {
      return await this.store.withRotationLock(async () => {
        const active = await this.store.findActive();
        if (!active || !this.isDue(active)) return null;
        return this.rotateLocked('automated-rotation');
      });
    } catch (error) {
      // Already alarmed and logged by rotateLocked; the next window tries again.
      this.logger.debug?.(`Scheduled rotation did not complete: ${errorMessage(error)}`);
      return null;
    }
  }

  /** Runs one automated rotation now (admin trigger, tests). */
  async runNow(actor: string): Promise<AutomatedRotationResult> {
    if (!this.config.zoomAppId) {
      throw new DomainError(
        ErrorCode.RotationNotConfigured,
        "Automated rotation needs ZOOM_APP_ID (the app whose secret Zoom's API should rotate).",
      );
    }
    return this.store.withRotationLock(() => this.rotateLocked(actor));
  }

  isDue(active: ZoomCredentialEntity): boolean {
    const hours = this.config.secretRotationIntervalHours;
    if (!hours) return false;
    const since = (active.activatedAt ?? active.createdAt).getTime();
    return this.clock.now() - since >= hours * 3_600_000;
  }

  private overlapMs(): number {
    // Zoom revokes the old secret at this time even if we never come back: at least a minute.
    return Math.max(1, this.config.secretRotationOverlapMinutes) * 60_000;
  }

  private async rotateLocked(actor: string): Promise<AutomatedRotationResult> {
    const active = await this.store.findActive();
    const activeVersion = active?.version ?? null;
    const revokeAt = this.clock.now() + this.overlapMs();
    this.logger.log(
      `Automated rotation by ${actor}: asking Zoom for a new secret (old one revoked at ${zoomTime(revokeAt)} at the latest)`,
    );

    let newSecret: string;
    try {
      const answer = await this.call({ action: 'new', revoke_old_secret_time: zoomTime(revokeAt) });
      if (typeof answer.new_secret !== 'string' || answer.new_secret.length === 0) {
        throw new Error("Zoom's answer carried no new_secret");
      }
      newSecret = answer.new_secret;
    } catch (error) {
      throw await this.fail(
        actor,
        activeVersion,
        'request_new',
        `Zoom did not open a rotation: ${errorMessage(error)}`,
      );
    }

    let result: RotationResult;
    try {
      result = await this.rotation.rotateLocked({
        clientSecret: newSecret,
        actor,
        source: 'automated',
        validationAttempts: 3,
      });
    } catch (error) {
      const extendedTo = this.clock.now() + FAILED_ROTATION_EXTENSION_MS;
      let keptUntil = zoomTime(revokeAt);
      try {
        await this.call({ action: 'update', revoke_old_secret_time: zoomTime(extendedTo) });
        keptUntil = zoomTime(extendedTo);
      } catch (extendError) {
        this.logger.error(
          `Could not extend the old secret's overlap: ${errorMessage(extendError)}`,
        );
      }
      throw await this.fail(
        actor,
        activeVersion,
        'validate',
        `The new secret from Zoom was not activated (${errorMessage(error)}); version ${activeVersion} stays active. ` +
          `Zoom revokes the old secret at ${keptUntil}: rotate by hand before then.`,
        keptUntil,
      );
    }

    // Give every replica time to switch before the old secret stops minting.
    await this.clock.sleep(REVOKE_GRACE_MS);
    try {
      await this.call({ action: 'update', revoke_old_secret_time: 'now' });
    } catch (error) {
      await this.fail(
        actor,
        result.version,
        'revoke_old',
        `Version ${result.version} is active, but the old secret could not be revoked: ${errorMessage(error)}; ` +
          `Zoom revokes it at ${zoomTime(revokeAt)}`,
        zoomTime(revokeAt),
      );
      return { ...result, oldSecretRevoked: false };
    }
    await this.credentials.clearAlarm();
    this.logger.log(
      `Automated rotation by ${actor}: version ${result.version} (fingerprint ${result.fingerprint}) active; old secret revoked`,
    );
    return { ...result, oldSecretRevoked: true };
  }

  private async call(body: {
    action: 'new' | 'update';
    revoke_old_secret_time: string;
  }): Promise<RotateSecretAnswer> {
    const response = await this.zoom.request<RotateSecretAnswer>({
      method: 'POST',
      path: `/marketplace/apps/${encodeURIComponent(this.config.zoomAppId!)}/rotate_client_secret`,
      body,
    });
    return response.data ?? {};
  }

  private async fail(
    actor: string,
    version: number | null,
    stage: RotationAlarm['stage'],
    message: string,
    oldSecretRevokeAt?: string,
  ): Promise<DomainError> {
    this.logger.error(`ALARM: automated secret rotation failed at ${stage}: ${message}`);
    const alarm: RotationAlarm = {
      stage,
      message,
      since: new Date(this.clock.now()).toISOString(),
      oldSecretRevokeAt,
    };
    await this.store
      .recordEvent({ version, event: 'rotation_failed', actor, reason: `${stage}: ${message}` })
      .catch((error: Error) =>
        this.logger.error(
          `Could not audit the failed rotation: ${loggableError(error, 'database')}`,
        ),
      );
    await this.credentials.raiseAlarm(alarm);
    return new DomainError(ErrorCode.RotationFailed, message);
  }
}
