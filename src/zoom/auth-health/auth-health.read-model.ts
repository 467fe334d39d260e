import { Injectable } from '@nestjs/common';
import {
  CredentialsService,
  type EnvironmentSecretRefusal,
  environmentRefusalWords,
  type RotationAlarm,
} from '../credentials/credentials.service.js';
import type { AuthCause, ZoomAuthState } from '../token/auth-state.js';
import { ZoomAuthStateService } from '../token/zoom-auth-state.service.js';
import { type ValidationRecord, ValidationStore } from './validation-store.service.js';

/** What health, diagnostics and heartbeats show about Zoom auth. */
export interface AuthHealth {
  state: ZoomAuthState;
  /** Why, in words. */
  reason: string;
  /** Why, as data: what the verdict is made from. */
  cause: AuthCause;
  /** When the state was entered (ISO). */
  since: string;
  /** The last time Zoom accepted one of our tokens or minted one (ISO; this replica's view or the fleet's last validation). */
  lastSuccessAt: string | null;
  /** ISO time before which the token service will not mint or probe again, when backing off. */
  retryAt: string | null;
  credentialVersion: number | null;
  lastValidation: ValidationRecord | null;
  rotationAlarm: RotationAlarm | null;
  /** This replica's ZOOM_* environment was refused (or could not be checked): in words and as data. */
  environmentSecretRefused: (EnvironmentSecretRefusal & { message: string }) | null;
}

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null);

/**
 * The fleet's read model of Zoom auth: the state machine (ZoomAuthStateService, shared through
 * Redis) plus the history of validations (also shared). Read-only for its readers: never mints,
 * never calls Zoom. Validations are written through here, so both stay in step.
 */
@Injectable()
export class AuthHealthReadModel {
  constructor(
    private readonly state: ZoomAuthStateService,
    private readonly validations: ValidationStore,
    private readonly credentials: CredentialsService,
  ) {}

  /** Records a validation in the fleet's history and, when it is news, in the state machine. */
  async recordValidation(
    record: ValidationRecord,
    options: { updateState: boolean },
  ): Promise<void> {
    await this.validations.record(record);
    if (!options.updateState) return;
    await this.state.recordValidation({
      state: record.outcome,
      reason: record.reason,
      cause: record.cause,
      credentialVersion: record.credentialVersion,
    });
  }

  async current(): Promise<AuthHealth> {
    const snapshot = this.state.snapshot();
    const history = await this.validations.history();
    const lastValidation = history[0] ?? null;
    const lastOk = history.find((r) => r.outcome === 'ok')?.at;
    const lastSuccess = Math.max(snapshot.lastSuccessAt ?? 0, lastOk ? Date.parse(lastOk) : 0);
    return {
      state: snapshot.state,
      reason: snapshot.reason,
      cause: snapshot.cause,
      since: new Date(snapshot.since).toISOString(),
      lastSuccessAt: iso(lastSuccess),
      retryAt: iso(snapshot.retryAt),
      credentialVersion: snapshot.credentialVersion,
      lastValidation,
      rotationAlarm: this.credentials.rotationAlarm(),
      environmentSecretRefused: this.environmentRefusal(),
    };
  }

  private environmentRefusal(): AuthHealth['environmentSecretRefused'] {
    const refusal = this.credentials.environmentSecretRefused;
    return refusal ? { ...refusal, message: environmentRefusalWords(refusal) } : null;
  }

  history(): Promise<ValidationRecord[]> {
    return this.validations.history();
  }
}
