import { Injectable, Logger, Optional } from '@nestjs/common';
import { AuditAction, AuditService } from '../../audit/audit.service.js';
import { Clock } from '../../common/clock.js';
import { fingerprint as fingerprintOf } from '../../common/crypto/encryption.service.js';
import { DomainError, ErrorCode } from '../../common/errors/index.js';
import { AppConfig } from '../../config/app-config.js';
import { MintLedgerService } from '../token/mint-ledger/mint-ledger.service.js';
import {
  type MintedToken,
  TokenEndpointError,
  ZoomOAuthClient,
} from '../token/zoom-oauth.client.js';
import { ZoomTokenService } from '../token/zoom-token.service.js';
import {
  CredentialsService,
  type EnvironmentSecretRefusal,
  type RotationAlarm,
} from '../credentials/credentials.service.js';
import { credentialFingerprint, CredentialsStore } from '../credentials/credentials.store.js';
import { errorMessage } from '../../common/errors/error-message.js';
import type {
  CredentialSource,
  ZoomCredentialEntity,
} from '../credentials/zoom-credential.entity.js';

export interface RotationInput {
  clientSecret: string;
  /** Defaults to the active version's client id. */
  clientId?: string;
  /** Defaults to the active version's account id. */
  accountId?: string;
  /** Who asked: the API key name, `cli:<user>` or `automated-rotation`. */
  actor: string;
  source: CredentialSource;
  /** Validation mints to try before giving up (Zoom may need a moment to accept a brand-new secret). */
  validationAttempts?: number;
}

export interface RotationResult {
  version: number;
  fingerprint: string;
  clientId: string;
  activatedAt: string;
  /** False when the posted secret already was the active one. */
  changed: boolean;
}

export interface CredentialsOverview {
  active: { version: number; fingerprint: string; clientId: string } | null;
  /** This replica's ZOOM_* environment, when Zoom refused it (or it could not be checked). */
  environmentSecretRefused: EnvironmentSecretRefusal | null;
  versions: Array<{
    version: number;
    state: string;
    fingerprint: string;
    clientId: string;
    source: string;
    createdBy: string;
    createdAt: string;
    activatedAt: string | null;
    retiredAt: string | null;
  }>;
  events: Array<{
    version: number | null;
    event: string;
    actor: string;
    fingerprint: string | null;
    reason: string | null;
    replicaId: string;
    at: string;
  }>;
  automatedRotation: {
    appId: string | null;
    intervalHours: number | null;
    overlapMinutes: number;
    alarm: RotationAlarm | null;
  };
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

const RETRY_DELAYS_MS = [1_000, 3_000, 5_000];

/**
 * Stage, validate, activate: a new secret is stored encrypted as the next version, proven by
 * minting a token with it, and only then made active for the whole fleet. A secret Zoom
 * refuses, or one that cannot be checked, changes nothing but the audit trail.
 */
@Injectable()
export class CredentialRotationService {
  private readonly logger = new Logger('CredentialRotation');

  constructor(
    private readonly store: CredentialsStore,
    private readonly credentials: CredentialsService,
    private readonly oauth: ZoomOAuthClient,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    // The validation mint is a mint like any other: in the ledger with reason 'rotation'.
    @Optional() private readonly ledger?: MintLedgerService,
    @Optional() private readonly tokens?: ZoomTokenService,
    @Optional() private readonly audit?: AuditService,
  ) {}

  /** Serialised across the fleet: the last validated rotation wins. */
  rotate(input: RotationInput): Promise<RotationResult> {
    return this.store.withRotationLock(() => this.rotateLocked(input));
  }

  /** The same, for a caller that already holds the rotation lock. */
  async rotateLocked(input: RotationInput): Promise<RotationResult> {
    const active = await this.store.findActive();
    if (!active)
      throw new DomainError(
        ErrorCode.ServiceUnavailable,
        'No active Zoom credential version is stored.',
      );
    const clientId = input.clientId ?? active.clientId;
    const accountId = input.accountId ?? active.accountId;
    if (
      credentialFingerprint(clientId, input.clientSecret) === active.fingerprint &&
      clientId === active.clientId &&
      accountId === active.accountId
    ) {
      this.logger.log(
        `Rotation by ${input.actor}: the secret is already active as version ${active.version}; nothing to do`,
      );
      return this.result(active, false);
    }

    const staged = await this.store.stage({
      accountId,
      clientId,
      clientSecret: input.clientSecret,
      source: input.source,
      actor: input.actor,
    });
    const { version, fingerprint } = staged.credentials;
    this.logger.log(
      `Rotation by ${input.actor}: version ${version} (fingerprint ${fingerprint}) staged; validating with Zoom`,
    );

    const attempts = Math.max(1, input.validationAttempts ?? 1);
    let validated: MintedToken | undefined;
    for (let attempt = 1; !validated; attempt++) {
      const started = this.clock.now();
      try {
        const minted = await this.oauth.mint(staged.credentials);
        this.ledger?.record({
          reason: 'rotation',
          outcome: 'ok',
          credentialVersion: version,
          latencyMs: minted.latencyMs,
          tokenFingerprint: fingerprintOf(minted.accessToken),
        });
        validated = minted;
      } catch (error) {
        this.ledger?.record({
          reason: 'rotation',
          outcome: error instanceof TokenEndpointError ? error.kind : 'unexpected',
          credentialVersion: version,
          latencyMs: this.clock.now() - started,
        });
        if (attempt < attempts) {
          await this.clock.sleep(
            RETRY_DELAYS_MS[Math.min(attempt - 1, RETRY_DELAYS_MS.length - 1)],
          );
          continue;
        }
        throw await this.refuse(version, input.actor, error);
      }
    }

    const row = await this.store.activate(version, input.actor);
    await this.credentials.activated(staged.credentials);
    // The validation token is a good token of the new version: the fleet uses it instead of minting again.
    await this.tokens?.storeMinted(validated, staged.credentials).catch((error: unknown) => {
      this.logger.warn(
        `Could not hand the validation token to the token service: ${errorMessage(error)}`,
      );
    });
    // A rotation by hand settles a failed automated one; the automated job clears its own alarm when done.
    if (input.source !== 'automated') await this.credentials.clearAlarm();
    this.logger.log(
      `Rotation by ${input.actor}: version ${version} (fingerprint ${fingerprint}) validated and active on this replica; announced`,
    );
    await this.audited(input.actor, AuditAction.CredentialsRotated, version, {
      fingerprint,
      source: input.source,
    });
    return this.result(row, true);
  }

  /** What an operator needs to see, never a secret: versions, the audit trail, the automated rotation. */
  async overview(): Promise<CredentialsOverview> {
    const [versions, events] = await Promise.all([this.store.all(), this.store.recentEvents(50)]);
    return {
      active: this.credentials.describe(),
      environmentSecretRefused: this.credentials.environmentSecretRefused,
      versions: versions.map((v) => ({
        version: v.version,
        state: v.state,
        fingerprint: v.fingerprint,
        clientId: v.clientId,
        source: v.source,
        createdBy: v.createdBy,
        createdAt: v.createdAt.toISOString(),
        activatedAt: iso(v.activatedAt),
        retiredAt: iso(v.retiredAt),
      })),
      events: events.map((e) => ({
        version: e.version,
        event: e.event,
        actor: e.actor,
        fingerprint: e.fingerprint,
        reason: e.reason,
        replicaId: e.replicaId,
        at: e.createdAt.toISOString(),
      })),
      automatedRotation: {
        appId: this.config.zoomAppId ?? null,
        intervalHours: this.config.secretRotationIntervalHours ?? null,
        overlapMinutes: this.config.secretRotationOverlapMinutes,
        alarm: this.credentials.rotationAlarm(),
      },
    };
  }

  private async refuse(version: number, actor: string, error: unknown): Promise<DomainError> {
    if (error instanceof TokenEndpointError && error.permanent) {
      const reason = error.details.zoomReason ?? error.message;
      await this.store.discard(
        version,
        'rejected',
        actor,
        `Zoom refused: ${error.details.zoomError ?? error.kind}: ${reason}`,
      );
      this.logger.warn(
        `Rotation by ${actor}: Zoom refused version ${version} (${reason}); nothing changed`,
      );
      await this.audited(actor, AuditAction.CredentialsRotationRefused, version, { reason });
      return new DomainError(ErrorCode.CredentialsRejected, reason, { cause: error });
    }
    const why = errorMessage(error);
    await this.store.discard(version, 'abandoned', actor, `Could not validate: ${why}`);
    this.logger.warn(
      `Rotation by ${actor}: version ${version} could not be validated (${why}); nothing changed`,
    );
    return new DomainError(
      ErrorCode.ZoomUnavailable,
      `The new credentials could not be validated, so nothing changed: ${why}`,
      { cause: error },
    );
  }

  /** The audit trail (src/audit): the rotation already happened, so a failed write is logged, not thrown. */
  private async audited(
    actor: string,
    action: AuditAction,
    version: number,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.audit
      ?.record({ actor, action, target: `credential version ${version}`, details })
      .catch((error: unknown) =>
        this.logger.warn(`Could not audit ${action}: ${errorMessage(error)}`),
      );
  }

  private result(row: ZoomCredentialEntity, changed: boolean): RotationResult {
    return {
      version: row.version,
      fingerprint: row.fingerprint,
      clientId: row.clientId,
      activatedAt: (row.activatedAt ?? row.createdAt).toISOString(),
      changed,
    };
  }
}
