import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Clock } from '../../common/clock.js';
import { fingerprint } from '../../common/crypto/encryption.service.js';
import { DomainError, ErrorCode } from '../../common/errors/index.js';
import { AppConfig } from '../../config/app-config.js';
import { type Lease, LeaseService } from '../../coordination/lease.service.js';
import { PubSubService } from '../../coordination/pubsub.service.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import type { ZoomCredentials } from '../credentials/zoom-credentials.js';
import { MintLedgerService } from './mint-ledger/mint-ledger.service.js';
import { FleetTokenStore } from './token-store/fleet-token-store.js';
import type { MintReason, NewToken, ZoomToken } from './token-store/token-store.js';
import { DEFAULT_TIMING, refreshAt, replicaJitter, usableUntil } from './token-timing.js';
import { ZoomAuthStateService, type ZoomAuthSnapshot } from './zoom-auth-state.service.js';
import { type MintedToken, TokenEndpointError, ZoomOAuthClient } from './zoom-oauth.client.js';

export type { MintReason, ZoomToken } from './token-store/token-store.js';

/** The fleet's mint lease and the channel announcing a newly stored token. */
export const MINT_LEASE = 'zoom-token-mint';
export const TOKEN_CHANNEL = 'zoom-token';

/** Tunables; the defaults suit production and the e2e tests alike. */
export const TOKEN_SERVICE_TIMINGS = {
  /** Short, renewed while the mint is in flight: a SIGKILLed holder frees it within seconds. */
  leaseTtlMs: 4_000,
  /** A hung token endpoint is abandoned after this long. */
  mintTimeoutMs: 10_000,
  /** How often a waiter re-reads the shared store when no announcement arrives. */
  pollMs: 250,
  /** A token minted to replace a refused one, and refused within this long, means Zoom refuses the app. */
  freshRefusalMs: 30_000,
  /** How long callers wait for the canary's verdict on a replacement token before trying it themselves. */
  verdictWaitMs: 3_000,
};

interface Held {
  token: ZoomToken;
  refreshAt: number;
  usableUntil: number;
  /**
   * Set while a token minted to replace a refused one has not yet been accepted by Zoom: one
   * caller in the fleet (the canary) tries it; everyone else awaits its verdict, so a refused
   * app costs one API call, not one per waiting caller.
   */
  verdict: Verdict | null;
}

interface Verdict {
  promise: Promise<boolean>;
  settle: (accepted: boolean) => void;
  canaryTaken: boolean;
}

interface ObtainOptions {
  /** Mint even if the store holds an acceptable token (probe, re-check). */
  force?: boolean;
  /** Skip the state machine's gate (the caller holds the fleet's one probe claim). */
  bypassGate?: boolean;
}

const REFUSED_MEMORY = 64;

/** Keeps an insertion-ordered set bounded: drops its oldest entry once it holds more than `max`. */
function dropOldest(set: Set<string>, max: number): void {
  if (set.size <= max) return;
  const oldest = set.values().next();
  if (!oldest.done) set.delete(oldest.value);
}

/**
 * One Zoom access token for the whole fleet. The hot path serves it from memory; a background
 * refresh starts inside a jittered window before expiry; one refresh runs per process and one
 * mint per fleet (a short Redis lease; the holder re-reads the store first; writes are
 * compare-and-set on the generation). A token Zoom stops honouring is replaced once; a fresh
 * token refused again puts the fleet in the `rejected` state, which fails fast and probes
 * at most once per back-off period.
 */
/** The store's record of a freshly minted token: its identity and lifetime, with a fingerprint for logs. */
function toNewToken(
  minted: MintedToken,
  credentials: ZoomCredentials,
  reason: MintReason,
): NewToken {
  return {
    accessToken: minted.accessToken,
    credentialVersion: credentials.version,
    mintedAt: minted.mintedAt,
    expiresAt: minted.expiresAt,
    fingerprint: fingerprint(minted.accessToken),
    reason,
  };
}

@Injectable()
export class ZoomTokenService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ZoomToken');
  private held: Held | null = null;
  private inflight: Promise<ZoomToken> | null = null;
  private readonly jitter: number;
  private readonly refused = new Set<string>();
  private readonly confirmed = new Set<string>();
  private readonly wakers = new Set<() => void>();
  private readonly unauthorized;
  private readonly leaseWaits;
  private destroyed = false;
  readonly timings = { ...TOKEN_SERVICE_TIMINGS };

  constructor(
    private readonly oauth: ZoomOAuthClient,
    private readonly credentials: CredentialsService,
    private readonly store: FleetTokenStore,
    private readonly leases: LeaseService,
    private readonly pubsub: PubSubService,
    private readonly state: ZoomAuthStateService,
    private readonly ledger: MintLedgerService,
    private readonly clock: Clock,
    config: AppConfig,
    metrics: MetricsService,
  ) {
    this.jitter = replicaJitter(config.replicaId);
    this.unauthorized = metrics.counter(
      'zoom_token_401_total',
      'Zoom API calls answered 401 (code 124) for a token',
    );
    this.leaseWaits = metrics.counter(
      'zoom_token_lease_waits_total',
      'Refreshes that waited for another replica holding the mint lease instead of minting',
    );
  }

  async onModuleInit(): Promise<void> {
    await this.pubsub.subscribe(TOKEN_CHANNEL, (message) => this.onAnnouncement(message));
    this.credentials.onActivated((credentials) => void this.onCredentialsActivated(credentials));
    this.state.onChange((snapshot) => {
      // Nobody may keep using a token of an app Zoom refuses; waiters re-check the gate.
      if (snapshot.state === 'rejected') {
        this.held?.verdict?.settle(false);
        this.held = null;
      }
      this.wake();
    });
  }

  onModuleDestroy(): void {
    this.destroyed = true;
    this.wake();
  }

  /** The bearer for a Zoom call. Hot path: a fresh token is served from memory with no I/O. */
  async getAccessToken(): Promise<string> {
    return (await this.getToken()).accessToken;
  }

  /** The token with its identity (generation, credential version), needed to report a refusal of exactly it. */
  getToken(): Promise<ZoomToken> {
    const held = this.held;
    if (held !== null) {
      const now = this.clock.now();
      if (now < held.usableUntil) {
        if (held.verdict !== null) return this.throughVerdict(held);
        if (now >= held.refreshAt && this.inflight === null) this.refreshAhead();
        return Promise.resolve(held.token);
      }
    }
    return this.slowPath();
  }

  /**
   * Zoom answered 401/124 for `token`: compare-and-delete exactly that token and return the
   * token to retry with (once; `replace: false` for a refusal of the retry itself, which returns
   * null). Throws the rejected error when a token minted moments ago to replace a refused one
   * is refused too.
   */
  async handleUnauthorized(
    token: ZoomToken,
    zoomBody?: { code?: number; message?: string },
    options: { replace?: boolean } = {},
  ): Promise<ZoomToken | null> {
    this.unauthorized.inc();
    this.remember(token.fingerprint);
    if (this.held?.token.fingerprint === token.fingerprint) this.held = null;
    await this.store.deleteIf(token.generation, token.fingerprint);
    const expired = /expired/i.test(zoomBody?.message ?? '');
    const now = this.clock.now();
    const replacement =
      token.reason === 'invalidated' || token.reason === 'probe' || token.reason === 'rotation';
    // A replacement Zoom already accepted (confirmed fleet-wide) and now refuses was invalidated
    // again (a cap, another minter): that is recovery's business, not proof the app is refused.
    const neverAccepted = !this.confirmed.has(token.fingerprint);
    if (
      replacement &&
      neverAccepted &&
      !expired &&
      now - token.mintedAt < this.timings.freshRefusalMs
    ) {
      const snapshot = await this.state.recordRejected(token.credentialVersion, token.fingerprint);
      throw this.blockedError(snapshot);
    }
    const snapshot = this.state.snapshot();
    if (snapshot.state === 'rejected') throw this.blockedError(snapshot);
    if (options.replace === false) return null;
    this.logger.warn(
      `Zoom refused token ${token.fingerprint} (generation ${token.generation}, ${zoomBody?.message ?? '401'}): replacing it once`,
    );
    for (let attempt = 0; attempt < 2; attempt++) {
      const next = await this.refresh('invalidated');
      if (this.refused.has(next.fingerprint)) continue;
      const held = this.held;
      return held?.token.fingerprint === next.fingerprint ? this.throughVerdict(held) : next;
    }
    throw new DomainError(
      ErrorCode.ZoomUnavailable,
      'Zoom refused the access token and no replacement could be obtained.',
    );
  }

  /** Zoom answered a call made with `token` with something other than a token refusal. */
  reportAccepted(token: ZoomToken): void {
    this.state.noteAccepted(token.mintedAt, token.credentialVersion);
    // Hot path: one set lookup. The first acceptance of a token is announced to the fleet, so
    // every replica knows Zoom honoured it (a later refusal is then an invalidation).
    if (this.confirmed.has(token.fingerprint)) return;
    this.confirm(token.fingerprint);
    void this.pubsub.publish(TOKEN_CHANNEL, `ok:${token.fingerprint}`);
  }

  /**
   * Offers a token minted elsewhere (the rotation's validation mint) to the fleet, so the new
   * credential version needs no second mint. The caller records it in the ledger.
   */
  async storeMinted(
    minted: MintedToken,
    credentials: ZoomCredentials,
    reason: MintReason = 'rotation',
  ): Promise<ZoomToken | null> {
    const snapshot = await this.store.read();
    const token = toNewToken(minted, credentials, reason);
    const result = await this.store.write(token, snapshot.generation);
    if (!result.written) return null;
    const stored = { ...token, generation: result.generation };
    this.adopt(stored);
    void this.pubsub.publish(TOKEN_CHANNEL, String(result.generation));
    return stored;
  }

  /** What this replica holds now (diagnostics; never the token). */
  describe(): {
    generation: number;
    credentialVersion: number;
    fingerprint: string;
    mintedAt: number;
    expiresAt: number;
    reason: MintReason;
    store: 'redis' | 'local';
  } | null {
    const held = this.held;
    if (!held) return null;
    const { accessToken: _secret, ...identity } = held.token;
    return { ...identity, store: this.store.scope };
  }

  // ------------------------------------------------------------------ internals

  private async slowPath(): Promise<ZoomToken> {
    const snapshot = this.state.snapshot();
    if (
      snapshot.state === 'rejected' ||
      (snapshot.state === 'invalid_credentials' && this.sameCredentials(snapshot))
    ) {
      if (await this.state.claimProbe()) {
        this.logger.log(
          `Probing Zoom with one fresh token for the fleet (state ${snapshot.state})`,
        );
        // This caller is the probe's canary: it tries the token; others await its verdict.
        return this.obtain(snapshot.state === 'rejected' ? 'probe' : 'cold', {
          force: true,
          bypassGate: true,
        });
      }
      throw this.blockedError(snapshot);
    }
    return this.refresh('cold');
  }

  private refreshAhead(): void {
    this.refresh('refresh_ahead').catch((error: Error) => {
      // Callers keep the current token; the failure is already in the state machine and the ledger.
      this.logger.debug(`Background refresh did not complete: ${error.message}`);
    });
  }

  /** One in-flight refresh per process; everyone else awaits it. */
  private refresh(reason: MintReason): Promise<ZoomToken> {
    if (this.inflight) return this.inflight;
    const run = this.obtain(reason, {}).finally(() => {
      if (this.inflight === run) this.inflight = null;
    });
    this.inflight = run;
    return run;
  }

  /** Follows the shared store; mints only while holding the fleet's lease; waits with a deadline otherwise. */
  private async obtain(reason: MintReason, options: ObtainOptions): Promise<ZoomToken> {
    const deadline =
      this.clock.now() + this.timings.mintTimeoutMs + this.timings.leaseTtlMs + 2_000;
    let counted = false;
    for (;;) {
      if (!options.bypassGate) this.gate();
      const snapshot = await this.store.read();
      if (!options.force && this.acceptable(snapshot.token)) return this.adopt(snapshot.token);
      const lease = await this.leases.tryAcquire(MINT_LEASE, this.timings.leaseTtlMs);
      if (lease) return this.mintUnderLease(lease, reason, options);
      if (!counted) {
        this.leaseWaits.inc();
        counted = true;
      }
      const now = this.clock.now();
      if (now >= deadline || this.destroyed) {
        const held = this.held;
        if (held && now < held.usableUntil) return held.token;
        throw new DomainError(
          ErrorCode.ZoomUnavailable,
          `No Zoom access token became available within ${Math.round((deadline - now + this.timings.mintTimeoutMs) / 1000)} s ` +
            'while another replica held the mint lease.',
          { headers: { 'Retry-After': '5' } },
        );
      }
      await this.waitForChange(Math.min(this.timings.pollMs, deadline - now));
    }
  }

  private async mintUnderLease(
    lease: Lease,
    reason: MintReason,
    options: ObtainOptions,
  ): Promise<ZoomToken> {
    const renewEvery = Math.max(100, Math.floor(this.timings.leaseTtlMs / 3));
    const renewal = setInterval(
      () => void this.leases.renew(lease, this.timings.leaseTtlMs),
      renewEvery,
    );
    renewal.unref();
    try {
      // Someone may have stored a token between our read and our lease.
      const snapshot = await this.store.read();
      if (!options.force && this.acceptable(snapshot.token)) return this.adopt(snapshot.token);
      const credentials = this.credentials.active();
      const effectiveReason: MintReason =
        reason === 'cold' && snapshot.token && this.usable(snapshot.token)
          ? 'refresh_ahead'
          : reason;
      const started = this.clock.now();
      let minted: MintedToken;
      try {
        minted = await this.oauth.mint(credentials, { timeoutMs: this.timings.mintTimeoutMs });
      } catch (error) {
        throw await this.mintFailed(
          error,
          effectiveReason,
          credentials,
          this.clock.now() - started,
        );
      }
      const token = toNewToken(minted, credentials, effectiveReason);
      this.ledger.record({
        reason: effectiveReason,
        outcome: 'ok',
        credentialVersion: credentials.version,
        latencyMs: minted.latencyMs,
        tokenFingerprint: token.fingerprint,
      });
      this.state.noteMinted(credentials.version);
      const result = await this.store.write(token, snapshot.generation);
      if (result.written) {
        const stored: ZoomToken = { ...token, generation: result.generation };
        this.logger.log(
          `Minted token ${token.fingerprint} (generation ${result.generation}, ${effectiveReason}, credential version ${credentials.version}, ` +
            `${Math.round(minted.lifetimeMs / 1000)} s, ${minted.latencyMs} ms, store ${this.store.scope})`,
        );
        void this.pubsub.publish(TOKEN_CHANNEL, String(result.generation));
        // A forced mint (probe) goes to its caller, who is the canary; otherwise the first caller is.
        return this.adopt(stored, !options.force);
      }
      // Lost the compare-and-set: a newer token or a newer credential version is in the store.
      const again = await this.store.read();
      this.logger.warn(
        `Minted token ${token.fingerprint} was not stored (${result.reason}); following the store`,
      );
      if (again.token && this.acceptable(again.token)) return this.adopt(again.token);
      return this.adopt({ ...token, generation: 0 }, !options.force);
    } finally {
      clearInterval(renewal);
      await this.leases.release(lease);
    }
  }

  /** Records a failed mint (ledger, state machine) and returns the error for the caller. */
  private async mintFailed(
    error: unknown,
    reason: MintReason,
    credentials: ZoomCredentials,
    latencyMs: number,
  ): Promise<Error> {
    if (!(error instanceof TokenEndpointError)) {
      this.ledger.record({
        reason,
        outcome: 'unexpected',
        credentialVersion: credentials.version,
        latencyMs,
      });
      return error instanceof Error ? error : new Error(String(error), { cause: error });
    }
    this.ledger.record({
      reason,
      outcome: error.kind,
      credentialVersion: credentials.version,
      latencyMs,
    });
    if (error.permanent) {
      await this.state.recordInvalidCredentials(
        credentials.clientId,
        credentials.version,
        error.details.zoomReason ?? error.details.zoomError,
      );
      this.logger.error(error.message);
      return this.blockedError(this.state.snapshot());
    }
    const held = this.held;
    await this.state.recordEndpointFailure({
      haveToken: held !== null && this.clock.now() < held.usableUntil,
      words: error.message,
      retryAfterMs: error.details.retryAfterMs,
      credentialVersion: credentials.version,
      zoomError: error.details.zoomReason ?? error.details.zoomError,
    });
    this.logger.warn(`Mint failed (${reason}): ${error.message}`);
    return this.blockedError(this.state.snapshot(), error.message);
  }

  /** Throws when the state machine forbids minting now (rejected, wrong credentials, backing off). */
  private gate(): void {
    const snapshot = this.state.snapshot();
    if (snapshot.state === 'rejected') throw this.blockedError(snapshot);
    if (snapshot.state === 'invalid_credentials' && this.sameCredentials(snapshot))
      throw this.blockedError(snapshot);
    if (
      (snapshot.state === 'degraded' || snapshot.state === 'unreachable') &&
      snapshot.retryAt !== null &&
      this.clock.now() < snapshot.retryAt
    ) {
      throw this.blockedError(snapshot);
    }
  }

  private sameCredentials(snapshot: ZoomAuthSnapshot): boolean {
    return (
      snapshot.credentialVersion === null ||
      snapshot.credentialVersion >= this.credentials.active().version
    );
  }

  /** The error a caller sees while the state machine holds calls back. */
  blockedError(snapshot: ZoomAuthSnapshot, words?: string): DomainError {
    const retryAfter = snapshot.retryAt
      ? Math.max(1, Math.ceil((snapshot.retryAt - this.clock.now()) / 1000))
      : 5;
    const headers = { 'Retry-After': String(retryAfter) };
    const next = snapshot.retryAt
      ? ` Next attempt at ${new Date(snapshot.retryAt).toISOString()}.`
      : '';
    switch (snapshot.state) {
      case 'rejected':
        return new DomainError(
          ErrorCode.ZoomAuthRejected,
          `${snapshot.reason} The gateway holds back calls to Zoom meanwhile.${next}`,
          {
            headers,
          },
        );
      case 'invalid_credentials':
        return new DomainError(ErrorCode.ZoomInvalidCredentials, snapshot.reason, { headers });
      default:
        return new DomainError(
          ErrorCode.ZoomUnavailable,
          `Zoom's token endpoint is not giving tokens: ${words ?? snapshot.reason}`,
          { headers },
        );
    }
  }

  private usable(token: ZoomToken): boolean {
    return this.clock.now() < usableUntil(token, DEFAULT_TIMING);
  }

  /** Good to adopt: current credentials, not refused, and outside this replica's refresh window. */
  private acceptable(token: ZoomToken | null): token is ZoomToken {
    if (!token || this.refused.has(token.fingerprint)) return false;
    if (token.credentialVersion < this.credentials.active().version) return false;
    return this.clock.now() < refreshAt(token, this.jitter, DEFAULT_TIMING);
  }

  /** `mintedHere`: this process minted it, so its first caller may be the canary. */
  private adopt(token: ZoomToken, mintedHere = false): ZoomToken {
    if (this.held?.token.fingerprint !== token.fingerprint) {
      this.held?.verdict?.settle(false);
      this.held = {
        token,
        refreshAt: refreshAt(token, this.jitter, DEFAULT_TIMING),
        usableUntil: usableUntil(token, DEFAULT_TIMING),
        verdict: this.needsVerdict(token) ? this.newVerdict(!mintedHere) : null,
      };
    }
    this.wake();
    return token;
  }

  private needsVerdict(token: ZoomToken): boolean {
    const replacement = token.reason === 'invalidated' || token.reason === 'probe';
    return (
      replacement &&
      !this.confirmed.has(token.fingerprint) &&
      this.clock.now() - token.mintedAt < this.timings.freshRefusalMs
    );
  }

  private newVerdict(canaryTaken: boolean): Verdict {
    let settle!: (accepted: boolean) => void;
    const promise = new Promise<boolean>((resolve) => (settle = resolve));
    return { promise, settle, canaryTaken };
  }

  /** The canary gets the token at once; the others wait (bounded) for what Zoom said to it. */
  private async throughVerdict(held: Held): Promise<ZoomToken> {
    const verdict = held.verdict;
    if (!verdict) return held.token;
    if (!verdict.canaryTaken) {
      verdict.canaryTaken = true;
      return held.token;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean | 'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timings.verdictWaitMs);
      timer.unref();
    });
    const outcome = await Promise.race([verdict.promise, timeout]);
    clearTimeout(timer);
    if (outcome === false) {
      const snapshot = this.state.snapshot();
      if (snapshot.state === 'rejected') throw this.blockedError(snapshot);
      return this.getToken();
    }
    // Accepted, or no verdict in time: try it ourselves (a refusal then decides).
    if (outcome === 'timeout' && this.held === held) held.verdict = null;
    return held.token;
  }

  private confirm(tokenFingerprint: string): void {
    this.confirmed.add(tokenFingerprint);
    dropOldest(this.confirmed, REFUSED_MEMORY);
    const held = this.held;
    if (held?.verdict && held.token.fingerprint === tokenFingerprint) {
      held.verdict.settle(true);
      held.verdict = null;
    }
  }

  private remember(tokenFingerprint: string): void {
    this.refused.add(tokenFingerprint);
    dropOldest(this.refused, REFUSED_MEMORY);
  }

  private onAnnouncement(message: string): void {
    if (message.startsWith('ok:')) {
      this.confirm(message.slice(3));
      return;
    }
    const generation = Number(message);
    this.wake();
    if (!Number.isFinite(generation) || (this.held && this.held.token.generation >= generation))
      return;
    // Another replica stored a newer token: take it now rather than at our next refresh.
    void this.store
      .read()
      .then((snapshot) => {
        if (
          this.acceptable(snapshot.token) &&
          snapshot.token.generation > (this.held?.token.generation ?? -1)
        )
          this.adopt(snapshot.token);
      })
      .catch(() => undefined);
  }

  private async onCredentialsActivated(credentials: ZoomCredentials): Promise<void> {
    if (this.held && this.held.token.credentialVersion < credentials.version) this.held = null;
    try {
      await this.store.retireBelow(credentials.version);
      await this.state.reset(credentials.version);
    } catch (error) {
      this.logger.warn(
        `Could not retire tokens of credential versions below ${credentials.version}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    this.wake();
  }

  private waitForChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, ms));
      this.wakers.add(done);
    });
  }

  private wake(): void {
    for (const waker of this.wakers) waker();
  }
}
