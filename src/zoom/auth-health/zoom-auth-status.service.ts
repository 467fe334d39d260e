import { Injectable } from '@nestjs/common';
import { CredentialsService, type RotationAlarm } from '../credentials/credentials.service.js';
import {
  type ValidationOutcome,
  type ZoomAuthStateName,
  ZoomAuthStateService,
} from '../token/zoom-auth-state.service.js';
import { type ValidationRecord, ValidationStore } from './validation-store.service.js';

export type ZoomAuthState = ZoomAuthStateName;

/** What health, diagnostics and heartbeats show about Zoom auth. Read-only: never mints, never calls Zoom. */
export interface ZoomAuthStatus {
  state: ZoomAuthState;
  /** Why, in words. */
  reason: string;
  /** When the state was entered (ISO). */
  since: string;
  /** The last time Zoom accepted one of our tokens or minted one (ISO; this replica's view or the fleet's last validation). */
  lastSuccessAt: string | null;
  /** ISO time before which the token service will not mint or probe again, when backing off. */
  retryAt: string | null;
  credentialVersion: number | null;
  lastValidation: ValidationRecord | null;
  rotationAlarm: RotationAlarm | null;
}

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null);

/**
 * This feature's read model of Zoom auth: the token service's state machine (shared by the
 * fleet through Redis) plus the history of scheduled validations (also shared). The
 * validation job writes through here, so both stay in step.
 */
@Injectable()
export class ZoomAuthStatusService {
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
    const outcome: ValidationOutcome =
      record.outcome === 'ok'
        ? { ok: true, credentialVersion: record.credentialVersion }
        : {
            ok: false,
            state: record.outcome,
            reason: record.reason,
            credentialVersion: record.credentialVersion,
            zoomError: record.zoom?.message,
          };
    await this.state.recordValidation(outcome);
  }

  async current(): Promise<ZoomAuthStatus> {
    const snapshot = this.state.snapshot();
    const history = await this.validations.history();
    const lastValidation = history[0] ?? null;
    const lastOk = history.find((r) => r.outcome === 'ok')?.at;
    const lastSuccess = Math.max(snapshot.lastSuccessAt ?? 0, lastOk ? Date.parse(lastOk) : 0);
    return {
      state: snapshot.state,
      reason: snapshot.reason,
      since: new Date(snapshot.since).toISOString(),
      lastSuccessAt: iso(lastSuccess),
      retryAt: iso(snapshot.retryAt),
      credentialVersion: snapshot.credentialVersion,
      lastValidation,
      rotationAlarm: this.credentials.rotationAlarm(),
    };
  }

  history(): Promise<ValidationRecord[]> {
    return this.validations.history();
  }
}
