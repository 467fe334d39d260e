import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Clock } from '../../common/clock.js';
import { AppConfig } from '../../config/app-config.js';
import { JobsService } from '../../coordination/jobs.service.js';
import { LeaseService } from '../../coordination/lease.service.js';
import { PubSubService } from '../../coordination/pubsub.service.js';
import { REDIS, type RedisClient, redisReady } from '../../coordination/redis.provider.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import {
  type AuthCause,
  isAuthCause,
  isZoomAuthState,
  NO_CAUSE,
  type ValidationOutcome,
  ZOOM_AUTH_STATES,
  type ZoomAuthSnapshot,
  type ZoomAuthState,
} from './auth-state.js';

const CHANNEL = 'zoom-auth-state';
const STATE_PULL_JOB = 'zoom-auth-state-pull';

/** Back-off of the rejected state's probe: 5 s doubling to 5 min. */
export const PROBE_BACKOFF = { initialMs: 5_000, maxMs: 300_000 } as const;
/** Back-off after token endpoint 429/5xx/timeouts: 1 s doubling to 60 s, with jitter. */
export const ENDPOINT_BACKOFF = { initialMs: 1_000, maxMs: 60_000 } as const;
/** With invalid_client, the same credentials are re-checked at most this often for the whole fleet. */
export const INVALID_CREDENTIALS_RECHECK_MS = 300_000;
/** How long a state without a back-off (ok, rejected, invalid_credentials) stays in Redis. */
const STATE_TTL_MS = 24 * 3600 * 1000;

/** States whose only content is a back-off from Zoom's token endpoint (429, 5xx, no answer). */
function isBackoff(state: ZoomAuthState): boolean {
  return state === 'degraded' || state === 'unreachable';
}

/**
 * The auth state machine, shared by the fleet through Redis (a JSON record plus pub/sub, with
 * polling as fallback) and local without it. Reads are synchronous (hot path); transitions
 * are written through and announced.
 */
@Injectable()
export class ZoomAuthStateService implements OnModuleInit {
  private readonly logger = new Logger('ZoomAuthState');
  private current: ZoomAuthSnapshot;
  private lastSuccessAt: number | null = null;
  private readonly listeners: ((snapshot: ZoomAuthSnapshot) => void)[] = [];
  private readonly stateGauge;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient | null,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly pubsub: PubSubService,
    private readonly leases: LeaseService,
    private readonly jobs: JobsService,
    metrics: MetricsService,
  ) {
    this.current = this.initial('No Zoom auth problem seen since this replica started.');
    this.stateGauge = metrics.gauge(
      'zoom_auth_state',
      'Zoom auth state of this replica (1 for the current state)',
      ['state'],
    );
    this.publishGauge();
  }

  /**
   * ZOOM_RETRY_AFTER_CAP_SECONDS: the longest the fleet honours a Retry-After, and the longest a
   * back-off state lives, in memory or in Redis (one huge Retry-After must not lock the fleet out).
   */
  get backoffCapMs(): number {
    return this.config.zoomRetryAfterCapSeconds * 1_000;
  }

  private get key(): string {
    return `${this.config.redisKeyPrefix}zoom-auth:state`;
  }

  async onModuleInit(): Promise<void> {
    await this.pubsub.subscribe(CHANNEL, (message) => this.receive(message));
    await this.pull();
    // Pub/sub is best effort; a cheap read every few seconds catches a missed announcement.
    if (this.redis) this.jobs.every(STATE_PULL_JOB, 3_000, () => this.pull());
  }

  /** The verdict now (this replica's copy of the fleet's state). No I/O. */
  snapshot(): ZoomAuthSnapshot {
    return { ...this.current, lastSuccessAt: this.lastSuccessAt };
  }

  /** Called with every transition, on every replica (including ones announced by others). */
  onChange(listener: (snapshot: ZoomAuthSnapshot) => void): void {
    this.listeners.push(listener);
  }

  /** Zoom accepted a token or minted one: leaves every failure state but `rejected` (which needs an accepted token). */
  noteMinted(credentialVersion: number): void {
    this.lastSuccessAt = this.clock.now();
    if (this.current.state === 'ok' || this.current.state === 'rejected') return;
    void this.transition({ ...this.initial('A token was minted.'), credentialVersion });
  }

  /** Zoom accepted a call made with a token minted at `mintedAt`. */
  noteAccepted(mintedAt: number, credentialVersion: number): void {
    this.lastSuccessAt = this.clock.now();
    if (this.current.state !== 'rejected' || mintedAt < this.current.since) return;
    this.logger.log("Zoom accepts this app's tokens again: leaving the rejected state");
    void this.transition({
      ...this.initial('Zoom accepted a token minted after the rejection.'),
      credentialVersion,
    });
  }

  /** Zoom refused a token minted moments ago: enter (or stay in, with a longer back-off) `rejected`. */
  async recordRejected(
    credentialVersion: number,
    refusedFingerprint: string,
    cause: AuthCause,
  ): Promise<ZoomAuthSnapshot> {
    if (this.current.state === 'rejected' && this.current.refusedFingerprint === refusedFingerprint)
      return this.snapshot();
    const now = this.clock.now();
    const failures = this.current.state === 'rejected' ? this.current.failures + 1 : 1;
    const backoff = Math.min(PROBE_BACKOFF.maxMs, PROBE_BACKOFF.initialMs * 2 ** (failures - 1));
    await this.transition({
      state: 'rejected',
      reason:
        'Zoom refuses even freshly minted access tokens for this app (HTTP 401, code 124). ' +
        "The usual causes are the app owner's status (the owner left the account, was deactivated or lost the role that owns the app) " +
        'or a disabled app; rotating the client secret (POST /api/admin/zoom/credentials) after the owner is fixed restores it.',
      since: this.current.state === 'rejected' ? this.current.since : now,
      lastSuccessAt: null,
      retryAt: now + backoff,
      failures,
      backoffMs: backoff,
      credentialVersion,
      refusedFingerprint,
      cause,
    });
    return this.snapshot();
  }

  /** Zoom's token endpoint answered invalid_client: the credentials are wrong; no retries. */
  async recordInvalidCredentials(
    clientId: string,
    credentialVersion: number,
    cause: AuthCause,
  ): Promise<void> {
    const now = this.clock.now();
    await this.transition({
      state: 'invalid_credentials',
      reason:
        `Zoom's token endpoint refused the client id ${clientId} or its secret (invalid_client, credential version ${credentialVersion}). ` +
        'Check ZOOM_ACCOUNT_ID/ZOOM_CLIENT_ID/ZOOM_CLIENT_SECRET or rotate the client secret.',
      since: this.current.state === 'invalid_credentials' ? this.current.since : now,
      lastSuccessAt: null,
      retryAt: now + INVALID_CREDENTIALS_RECHECK_MS,
      backoffMs: INVALID_CREDENTIALS_RECHECK_MS,
      failures: this.current.state === 'invalid_credentials' ? this.current.failures + 1 : 1,
      credentialVersion,
      cause,
    });
  }

  /** 429, 5xx, timeout or no answer from the token endpoint: back off (Retry-After wins when longer). */
  async recordEndpointFailure(options: {
    haveToken: boolean;
    words: string;
    retryAfterMs?: number;
    credentialVersion: number;
    cause: AuthCause;
  }): Promise<void> {
    const now = this.clock.now();
    const wasFailing = this.current.state === 'degraded' || this.current.state === 'unreachable';
    const failures = wasFailing ? this.current.failures + 1 : 1;
    const exponential = Math.min(
      ENDPOINT_BACKOFF.maxMs,
      ENDPOINT_BACKOFF.initialMs * 2 ** (failures - 1),
    );
    // Jitter so that the fleet's next attempt is not a thundering herd on a struggling endpoint.
    const jittered = exponential * (0.75 + Math.random() * 0.5);
    const backoff = Math.min(this.backoffCapMs, Math.max(jittered, options.retryAfterMs ?? 0));
    const state: ZoomAuthState = options.haveToken ? 'degraded' : 'unreachable';
    await this.transition({
      state,
      reason: `${options.words}; ${options.haveToken ? 'serving the current token' : 'no usable token'} and retrying after ${Math.ceil(backoff / 1000)} s.`,
      since: this.current.state === state ? this.current.since : now,
      lastSuccessAt: null,
      retryAt: now + backoff,
      backoffMs: backoff,
      failures,
      credentialVersion: options.credentialVersion,
      cause: options.cause,
    });
  }

  /** Records the outcome of a validation call made outside the token service (scheduled check, doctor). */
  async recordValidation(outcome: ValidationOutcome): Promise<void> {
    if (outcome.state === 'ok') {
      this.lastSuccessAt = this.clock.now();
      if (this.current.state !== 'ok') {
        await this.transition({
          ...this.initial('A validation call succeeded.'),
          credentialVersion: outcome.credentialVersion ?? null,
        });
      }
      return;
    }
    const now = this.clock.now();
    const retryAt =
      outcome.state === 'rejected'
        ? now + PROBE_BACKOFF.initialMs
        : outcome.state === 'invalid_credentials'
          ? now + INVALID_CREDENTIALS_RECHECK_MS
          : now + Math.min(this.backoffCapMs, outcome.retryAfterMs ?? ENDPOINT_BACKOFF.initialMs);
    await this.transition({
      state: outcome.state,
      reason: outcome.reason,
      since: this.current.state === outcome.state ? this.current.since : now,
      lastSuccessAt: null,
      retryAt,
      backoffMs: retryAt - now,
      failures: this.current.state === outcome.state ? this.current.failures + 1 : 1,
      credentialVersion: outcome.credentialVersion ?? this.current.credentialVersion,
      cause: outcome.cause,
    });
  }

  /** A new credential version is active: every failure verdict about the old one is void. */
  async reset(
    credentialVersion: number,
    words = `Credential version ${credentialVersion} is active.`,
  ): Promise<void> {
    if (this.current.state === 'ok' && this.current.credentialVersion === credentialVersion) return;
    await this.transition({ ...this.initial(words), credentialVersion });
  }

  /**
   * An operator clears the fleet's back-off (admin reset, `doctor --reset-backoff`): every replica
   * may mint again at once. A problem that persists puts the state back with its next answer.
   */
  async clearBackoff(actor: string): Promise<ZoomAuthSnapshot> {
    const previous = this.current;
    if (previous.state !== 'ok')
      this.logger.warn(`Zoom auth back-off (${previous.state}) cleared by ${actor}`);
    await this.transition({
      ...this.initial(`Back-off cleared by ${actor}.`),
      credentialVersion: previous.credentialVersion,
    });
    return this.snapshot();
  }

  /**
   * Claims the one probe (or re-check) of the current back-off period for the whole fleet. At most
   * one caller in the fleet gets true per period; the claim is a lease that simply expires.
   */
  async claimProbe(): Promise<boolean> {
    const snapshot = this.current;
    if (snapshot.retryAt === null || this.clock.now() < snapshot.retryAt) return false;
    const period = Math.max(1_000, snapshot.backoffMs);
    const lease = await this.leases.tryAcquire(
      `zoom-auth-probe:${snapshot.state}:${snapshot.retryAt}`,
      period,
    );
    return lease !== null;
  }

  private initial(reason: string): ZoomAuthSnapshot {
    return {
      state: 'ok',
      reason,
      since: this.clock.now(),
      updatedAt: 0,
      lastSuccessAt: null,
      retryAt: null,
      failures: 0,
      backoffMs: 0,
      credentialVersion: null,
      cause: NO_CAUSE,
    };
  }

  private async transition(
    update: Omit<ZoomAuthSnapshot, 'updatedAt'> & { updatedAt?: number },
  ): Promise<void> {
    const next: ZoomAuthSnapshot = {
      ...update,
      updatedAt: Math.max(this.clock.now(), this.current.updatedAt + 1),
    };
    const changed = next.state !== this.current.state;
    this.apply(next);
    if (changed) {
      const log =
        next.state === 'ok'
          ? this.logger.log.bind(this.logger)
          : this.logger.warn.bind(this.logger);
      log(`Zoom auth is ${next.state}: ${next.reason}`);
    }
    const message = JSON.stringify(next);
    if (redisReady(this.redis)) {
      // A back-off outlives neither its cap nor a restart of the fleet past it.
      const ttl = isBackoff(next.state) ? this.backoffCapMs : STATE_TTL_MS;
      await this.redis.set(this.key, message, 'PX', ttl).catch(() => undefined);
    }
    await this.pubsub.publish(CHANNEL, message).catch(() => undefined);
  }

  private apply(next: ZoomAuthSnapshot): void {
    const previous = this.current;
    this.current = { ...this.capped(next), lastSuccessAt: null };
    this.publishGauge();
    if (previous.state !== next.state || previous.retryAt !== next.retryAt) {
      for (const listener of this.listeners) listener(this.snapshot());
    }
  }

  /** A back-off announced by a replica with a larger cap (or stored before there was one) is cut to ours. */
  private capped(next: ZoomAuthSnapshot): ZoomAuthSnapshot {
    if (!isBackoff(next.state) || next.retryAt === null) return next;
    const latest = this.clock.now() + this.backoffCapMs;
    if (next.retryAt <= latest) return next;
    return { ...next, retryAt: latest, backoffMs: Math.min(next.backoffMs, this.backoffCapMs) };
  }

  private receive(message: string): void {
    const next = parse(message);
    // The newest transition wins; a replica's own echo (same updatedAt) is a no-op.
    if (next && next.updatedAt > this.current.updatedAt) this.apply(next);
  }

  private async pull(): Promise<void> {
    if (!redisReady(this.redis)) return;
    const raw = await this.redis.get(this.key).catch(() => null);
    if (raw) this.receive(raw);
  }

  private publishGauge(): void {
    for (const name of ZOOM_AUTH_STATES)
      this.stateGauge.set({ state: name }, name === this.current.state ? 1 : 0);
  }
}

/** An announced snapshot: a known state and a numeric updatedAt (what ordering and the gauge rely on). */
function isSnapshot(value: unknown): value is ZoomAuthSnapshot {
  return (
    typeof value === 'object' &&
    value !== null &&
    'state' in value &&
    isZoomAuthState(value.state) &&
    'cause' in value &&
    isAuthCause(value.cause) &&
    'updatedAt' in value &&
    typeof value.updatedAt === 'number'
  );
}

function parse(message: string): ZoomAuthSnapshot | null {
  try {
    const value: unknown = JSON.parse(message);
    return isSnapshot(value) ? value : null;
  } catch {
    return null;
  }
}
