import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { errorMessage } from '../../common/errors/error-message.js';
import { AppConfig, type ZoomCredentialsConfig } from '../../config/app-config.js';
import { JobsService } from '../../coordination/jobs.service.js';
import { PubSubService } from '../../coordination/pubsub.service.js';
import { credentialFingerprint, CredentialsStore } from './credentials.store.js';
import type { ZoomCredentialEntity } from './zoom-credential.entity.js';
import type { ZoomCredentials } from './zoom-credentials.js';
import { loggableError } from '../../common/errors/loggable-error.js';

export type CredentialsListener = (credentials: ZoomCredentials) => void;

/** Why the last automated rotation did not finish; shown in health details and logs. */
export interface RotationAlarm {
  stage: 'request_new' | 'validate' | 'activate' | 'revoke_old';
  message: string;
  since: string;
  /** When Zoom will stop accepting the old secret, if a rotation was opened and not finished. */
  oldSecretRevokeAt?: string;
}

/**
 * A ZOOM_* environment that differs from the stored active version and still awaits Zoom's
 * word (validated by a mint, like a rotation, before anything changes). Holds a secret:
 * never logged, never serialised.
 */
export interface EnvironmentCandidate {
  readonly credentials: Readonly<ZoomCredentialsConfig>;
  readonly fingerprint: string;
  /** The variables that changed, for the one log line and the health detail. */
  readonly variable: 'ZOOM_CLIENT_SECRET' | 'ZOOM_CLIENT_ID';
}

/**
 * This replica's environment names credentials Zoom did not accept (or that could not be
 * checked): the replica keeps serving with the stored working version. No secret here.
 */
export interface EnvironmentSecretRefusal {
  variable: EnvironmentCandidate['variable'];
  clientId: string;
  /** Fingerprint of the refused credentials, to tell them apart from the active version's. */
  fingerprint: string;
  /** ISO time of the refusal. */
  at: string;
  /** Zoom's reason, or why it could not be checked. */
  reason: string;
  /** 'rejected': Zoom said no; 'unverified': Zoom could not be asked (retried at the next start). */
  outcome: 'rejected' | 'unverified';
  /** The version this replica keeps using. */
  activeVersion: number;
}

/** The refusal in words for operators (health, diagnostics): names the variable, never the secret. */
export function environmentRefusalWords(refusal: EnvironmentSecretRefusal): string {
  const heard =
    refusal.outcome === 'rejected'
      ? `was refused by Zoom (${refusal.reason})`
      : `could not be checked with Zoom (${refusal.reason}); it is checked again at the next start`;
  return (
    `This replica's ${refusal.variable} (client id ${refusal.clientId}, fingerprint ${refusal.fingerprint}) ${heard} at ${refusal.at}. ` +
    `It keeps serving with the stored credential version ${refusal.activeVersion}. ` +
    `Fix ${refusal.variable} in this replica's environment (or rotate through POST /api/admin/zoom/credentials) and restart it.`
  );
}

/** The pub/sub channel on which every replica hears about a new active version (never a secret). */
export const CREDENTIALS_CHANNEL = 'credentials';

/** Fallback for a lost announcement: every replica re-reads the active version this often. */
export const CREDENTIALS_POLL_INTERVAL_MS = 5_000;

type Announcement =
  | { type: 'activated'; version: number; fingerprint: string }
  | { type: 'alarm'; alarm: RotationAlarm }
  | { type: 'alarm_cleared' };

const ALARM_STAGES: ReadonlyArray<RotationAlarm['stage']> = [
  'request_new',
  'validate',
  'activate',
  'revoke_old',
];

function isAlarmStage(value: unknown): value is RotationAlarm['stage'] {
  return ALARM_STAGES.some((stage) => stage === value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Announcements come from other replicas through Redis: checked, not trusted. */
function parseAnnouncement(message: string): Announcement | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return null;
  }
  if (!isRecord(parsed)) return null;
  if (
    parsed.type === 'activated' &&
    typeof parsed.version === 'number' &&
    typeof parsed.fingerprint === 'string'
  ) {
    return { type: 'activated', version: parsed.version, fingerprint: parsed.fingerprint };
  }
  if (parsed.type === 'alarm_cleared') return { type: 'alarm_cleared' };
  const alarm = parsed.alarm;
  if (
    parsed.type === 'alarm' &&
    isRecord(alarm) &&
    isAlarmStage(alarm.stage) &&
    typeof alarm.message === 'string' &&
    typeof alarm.since === 'string'
  ) {
    const revokeAt =
      typeof alarm.oldSecretRevokeAt === 'string' ? alarm.oldSecretRevokeAt : undefined;
    return {
      type: 'alarm',
      alarm: {
        stage: alarm.stage,
        message: alarm.message,
        since: alarm.since,
        oldSecretRevokeAt: revokeAt,
      },
    };
  }
  return null;
}

/**
 * @deprecated The process role (`config.role`) decides: the CLI only ever seeds an empty
 * database. Kept as a no-op until src/cli/doctor.command.ts drops its call.
 */
export function setCredentialsEnvironmentPolicy(_policy?: 'apply' | 'seed-only'): void {}

/**
 * The active credential version, decrypted in memory. Loaded from the database at start-up
 * (after reconciling it with the ZOOM_* environment), then kept current on every replica by
 * announcements (pub/sub) and polling of the active version.
 */
@Injectable()
export class CredentialsService implements OnModuleInit {
  private readonly logger = new Logger('ZoomCredentials');
  private current: ZoomCredentials | undefined;
  private readonly listeners: CredentialsListener[] = [];
  private alarm: RotationAlarm | null = null;
  private reloading: Promise<void> | null = null;
  private pollFailing = false;
  private candidate: EnvironmentCandidate | null = null;
  private refusal: EnvironmentSecretRefusal | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly store: CredentialsStore,
    private readonly pubsub: PubSubService,
    private readonly jobs: JobsService,
  ) {}

  /** Hot path: synchronous, no I/O. */
  active(): ZoomCredentials {
    if (!this.current)
      throw new Error(
        'Zoom credentials are not loaded yet (CredentialsService initialises before its users)',
      );
    return this.current;
  }

  /** Called after a new version becomes active on this replica (locally or announced by another). */
  onActivated(listener: CredentialsListener): void {
    this.listeners.push(listener);
  }

  /** The standing alarm of the automated rotation, or null. */
  rotationAlarm(): RotationAlarm | null {
    return this.alarm;
  }

  /**
   * Credentials from the environment that differ from the stored active version, waiting to be
   * validated by a mint (EnvironmentCredentialsAdopter); null when there is nothing to check.
   */
  environmentCandidate(): EnvironmentCandidate | null {
    return this.candidate;
  }

  /** Set when this replica's ZOOM_* environment was refused; health and diagnostics show it. */
  get environmentSecretRefused(): EnvironmentSecretRefusal | null {
    return this.refusal;
  }

  /** The candidate was validated and activated, or refused: either way nothing is pending. */
  settleEnvironmentCandidate(refusal: EnvironmentSecretRefusal | null): void {
    this.candidate = null;
    this.refusal = refusal;
  }

  async onModuleInit(): Promise<void> {
    await this.bootstrap();
    await this.pubsub.subscribe(CREDENTIALS_CHANNEL, (message) => this.onAnnouncement(message));
    this.jobs.every('credentials-poll', CREDENTIALS_POLL_INTERVAL_MS, () => this.reload());
  }

  /**
   * A version was activated by this replica: use it now, tell the listeners, announce it to
   * the fleet. Only the version number travels; every replica decrypts from the database.
   */
  async activated(credentials: ZoomCredentials): Promise<void> {
    this.apply(credentials, 'activated here');
    await this.announce({
      type: 'activated',
      version: credentials.version,
      fingerprint: credentials.fingerprint,
    });
  }

  async raiseAlarm(alarm: RotationAlarm): Promise<void> {
    this.alarm = alarm;
    await this.announce({ type: 'alarm', alarm });
  }

  async clearAlarm(): Promise<void> {
    if (!this.alarm) return;
    this.alarm = null;
    await this.announce({ type: 'alarm_cleared' });
  }

  /** Re-reads the active version; adopts it when it is newer than ours. Single-flight. */
  reload(): Promise<void> {
    this.reloading ??= this.reloadOnce().finally(() => (this.reloading = null));
    return this.reloading;
  }

  private async reloadOnce(): Promise<void> {
    try {
      const version = await this.store.activeVersion();
      if (version === null || (this.current && version <= this.current.version)) {
        this.pollFailing = false;
        return;
      }
      const row = await this.store.findActive();
      if (row && (!this.current || row.version > this.current.version))
        this.apply(this.store.decrypt(row), 'read from the database');
      this.pollFailing = false;
    } catch (error) {
      // Logged once per outage: the next poll retries.
      if (!this.pollFailing)
        this.logger.warn(
          `Could not re-read the active Zoom credential version: ${errorMessage(error)}`,
        );
      this.pollFailing = true;
    }
  }

  private onAnnouncement(message: string): void {
    const parsed = parseAnnouncement(message);
    if (!parsed) return;
    if (parsed.type === 'activated') {
      if (!this.current || parsed.version > this.current.version) void this.reload();
    } else if (parsed.type === 'alarm') {
      this.alarm = parsed.alarm;
    } else if (parsed.type === 'alarm_cleared') {
      this.alarm = null;
    }
  }

  private async announce(announcement: Announcement): Promise<void> {
    await this.pubsub
      .publish(CREDENTIALS_CHANNEL, JSON.stringify(announcement))
      .catch((error: Error) => {
        this.logger.warn(
          `Could not announce credentials change (${announcement.type}): ${loggableError(error, 'redis')}; replicas will poll`,
        );
      });
  }

  private apply(credentials: ZoomCredentials, how: string): void {
    const previous = this.current;
    if (previous && credentials.version <= previous.version) return;
    this.current = credentials;
    if (!previous) return;
    this.logger.log(
      `Zoom credentials: now using version ${credentials.version} (fingerprint ${credentials.fingerprint}, ${how}); ` +
        `version ${previous.version} (fingerprint ${previous.fingerprint}) is retired`,
    );
    for (const listener of this.listeners) {
      try {
        listener(credentials);
      } catch (error) {
        this.logger.error(`A credentials listener failed: ${errorMessage(error)}`);
      }
    }
  }

  /**
   * Start-up: the environment seeds version 1 into an empty database; afterwards the stored
   * active version is used. An environment secret equal to a retired version is ignored; one
   * never seen before becomes a candidate that Zoom must accept (a validation mint, by
   * EnvironmentCredentialsAdopter) before it replaces anything. The CLI role only seeds, so a
   * command run with a stale or missing environment never changes the fleet's credentials.
   */
  private async bootstrap(): Promise<void> {
    const env = this.config.zoomCredentials;
    const { row, note, candidate } = await this.store.withRotationLock(async () => {
      const rows = await this.store.all();
      const active = rows.find((r) => r.state === 'active');
      if (!env) {
        if (active) return { row: active, note: 'stored in the database', candidate: null };
        throw new Error(
          'No Zoom credentials: none stored in the database and ZOOM_ACCOUNT_ID/ZOOM_CLIENT_ID/ZOOM_CLIENT_SECRET are not set',
        );
      }
      if (!active) {
        // Nothing works yet that a refused secret could break: seed without asking Zoom.
        const staged = await this.store.stage({
          ...env,
          source: 'environment',
          actor: 'environment',
        });
        const activated = await this.store.activate(staged.row.version, 'environment');
        const how = rows.length === 0 ? 'seeded from the environment' : 'no active version stored';
        return { row: activated, note: how, candidate: null };
      }
      const print = credentialFingerprint(env.clientId, env.clientSecret);
      const seen = rows.find(
        (r) =>
          r.fingerprint === print &&
          r.accountId === env.accountId &&
          (r.state === 'active' || r.state === 'retired'),
      );
      if (seen?.version === active.version)
        return {
          row: active,
          note: 'stored in the database, same as the environment',
          candidate: null,
        };
      if (seen)
        return {
          row: active,
          note: `stored in the database; the environment's secret (fingerprint ${print}) is retired version ${seen.version} and is ignored`,
          candidate: null,
        };
      if (this.config.role === 'cli')
        return { row: active, note: 'stored in the database', candidate: null };
      const variable: EnvironmentCandidate['variable'] =
        env.clientId === active.clientId ? 'ZOOM_CLIENT_SECRET' : 'ZOOM_CLIENT_ID';
      return {
        row: active,
        note: `stored in the database; ${variable} in the environment differs (fingerprint ${print}) and is validated with Zoom before it is used`,
        candidate: { credentials: env, fingerprint: print, variable },
      };
    });
    this.current = this.store.decrypt(row);
    this.candidate = candidate;
    this.logger.log(
      `Zoom credentials: version ${row.version} is active (fingerprint ${row.fingerprint}, client id ${row.clientId}; ${note})`,
    );
    await this.restoreAlarm(row);
  }

  /** An automated rotation that failed after the last activation still stands as an alarm. */
  private async restoreAlarm(active: ZoomCredentialEntity): Promise<void> {
    const last = await this.store.lastRotationOutcome();
    if (last?.event !== 'rotation_failed') return;
    const [stage, ...rest] = (last.reason ?? 'validate: automated rotation failed').split(': ');
    this.alarm = {
      stage: isAlarmStage(stage) ? stage : 'validate',
      message:
        rest.join(': ') || `Automated rotation failed; version ${active.version} stays active`,
      since: last.createdAt.toISOString(),
    };
  }

  /** For tests and diagnostics: when this replica last saw a change (no secret). */
  describe(): { version: number; fingerprint: string; clientId: string } | null {
    return this.current
      ? {
          version: this.current.version,
          fingerprint: this.current.fingerprint,
          clientId: this.current.clientId,
        }
      : null;
  }
}
