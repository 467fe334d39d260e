import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Clock } from '../../common/clock.js';
import { fingerprint } from '../../common/crypto/encryption.service.js';
import { DomainError, ErrorCode } from '../../common/errors/index.js';
import { type Lease, LeaseService } from '../../coordination/lease.service.js';
import { PubSubService } from '../../coordination/pubsub.service.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import type { ZoomCredentials } from '../credentials/zoom-credentials.js';
import { MintLedgerService } from './mint-ledger/mint-ledger.service.js';
import { TOKEN_CHANNEL } from './replacement-canary.js';
import { TokenGate } from './token-gate.js';
import { FleetTokenStore } from './token-store/fleet-token-store.js';
import type { MintReason, NewToken, ZoomToken } from './token-store/token-store.js';
import { TOKEN_SERVICE_TIMINGS } from './token-timing.js';
import { type MintedToken, TokenEndpointError, ZoomOAuthClient } from './zoom-oauth.client.js';

/** The fleet's mint lease: whoever holds it is the one replica allowed to mint. */
export const MINT_LEASE = 'zoom-token-mint';

export interface MintRequest {
  reason: MintReason;
  /** Mint even if the store holds an acceptable token (a probe). */
  force?: boolean;
  /** Skip the gate: the caller holds the fleet's one probe claim. */
  bypassGate?: boolean;
}

/** What the asking replica would take from the shared store, and what it holds meanwhile. */
export interface TokenChoice {
  acceptable(token: ZoomToken | null): token is ZoomToken;
  /** Whether a token is still usable (not just due for refresh). */
  usable(token: ZoomToken): boolean;
  /** The replica's own token while it is still usable: served when the wait for another minter runs out. */
  heldUsable(): ZoomToken | null;
}

export interface Obtained {
  token: ZoomToken;
  /** Minted by this process (not taken from the store): its first caller may be the canary. */
  mintedHere: boolean;
}

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
    apiUrl: minted.apiUrl,
  };
}

/**
 * One mint per fleet: follows the shared store, mints only while holding the fleet's short
 * lease (re-reading the store first), writes compare-and-set on the generation, announces what it
 * stored, and records every attempt in the ledger. Others wait, with a deadline, for the store to
 * change.
 */
@Injectable()
export class TokenMinter implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ZoomToken');
  private readonly wakers = new Set<() => void>();
  private readonly storedListeners: ((generation: number) => void)[] = [];
  private readonly leaseWaits;
  private destroyed = false;
  readonly timings = { ...TOKEN_SERVICE_TIMINGS };

  constructor(
    private readonly oauth: ZoomOAuthClient,
    private readonly credentials: CredentialsService,
    private readonly store: FleetTokenStore,
    private readonly leases: LeaseService,
    private readonly pubsub: PubSubService,
    private readonly ledger: MintLedgerService,
    private readonly gate: TokenGate,
    private readonly clock: Clock,
    metrics: MetricsService,
  ) {
    this.leaseWaits = metrics.counter(
      'zoom_token_lease_waits_total',
      'Refreshes that waited for another replica holding the mint lease instead of minting',
    );
  }

  async onModuleInit(): Promise<void> {
    await this.pubsub.subscribe(TOKEN_CHANNEL, (message) => {
      const generation = Number(message);
      if (!Number.isInteger(generation)) return; // an acceptance, the canary's business
      this.wake();
      for (const listener of this.storedListeners) listener(generation);
    });
  }

  onModuleDestroy(): void {
    this.destroyed = true;
    this.wake();
  }

  get scope(): 'redis' | 'local' {
    return this.store.scope;
  }

  /** Called when any replica announces a newly stored token. */
  onStored(listener: (generation: number) => void): void {
    this.storedListeners.push(listener);
  }

  /** Wakes every caller waiting for the store or the gate to change. */
  wake(): void {
    for (const waker of this.wakers) waker();
  }

  async read(): Promise<ZoomToken | null> {
    return (await this.store.read()).token;
  }

  /** Compare-and-delete: drops the stored token only if it is still exactly `token`. */
  async forget(token: ZoomToken): Promise<void> {
    await this.store.deleteIf(token.generation, token.fingerprint);
  }

  retireBelow(credentialVersion: number): Promise<void> {
    return this.store.retireBelow(credentialVersion);
  }

  /** A token from the store, or one minted under the lease; waits (bounded) while another replica mints. */
  async obtain(request: MintRequest, choice: TokenChoice): Promise<Obtained> {
    const deadline =
      this.clock.now() + this.timings.mintTimeoutMs + this.timings.leaseTtlMs + 2_000;
    let counted = false;
    for (;;) {
      if (!request.bypassGate) this.gate.check();
      const snapshot = await this.store.read();
      if (!request.force && choice.acceptable(snapshot.token))
        return { token: snapshot.token, mintedHere: false };
      const lease = await this.leases.tryAcquire(MINT_LEASE, this.timings.leaseTtlMs);
      if (lease) return this.mintUnderLease(lease, request, choice);
      if (!counted) {
        this.leaseWaits.inc();
        counted = true;
      }
      const now = this.clock.now();
      if (now >= deadline || this.destroyed) {
        const held = choice.heldUsable();
        if (held) return { token: held, mintedHere: false };
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

  /**
   * Offers a token minted elsewhere (the rotation's validation mint) to the fleet, so the new
   * credential version needs no second mint. The caller records it in the ledger.
   */
  async storeMinted(
    minted: MintedToken,
    credentials: ZoomCredentials,
    reason: MintReason,
  ): Promise<ZoomToken | null> {
    const snapshot = await this.store.read();
    const token = toNewToken(minted, credentials, reason);
    const result = await this.store.write(token, snapshot.generation);
    if (!result.written) return null;
    void this.pubsub.publish(TOKEN_CHANNEL, String(result.generation));
    return { ...token, generation: result.generation };
  }

  private async mintUnderLease(
    lease: Lease,
    request: MintRequest,
    choice: TokenChoice,
  ): Promise<Obtained> {
    const renewEvery = Math.max(100, Math.floor(this.timings.leaseTtlMs / 3));
    const renewal = setInterval(
      () => void this.leases.renew(lease, this.timings.leaseTtlMs),
      renewEvery,
    );
    renewal.unref();
    // A forced mint (probe) goes to its caller, who is the canary; otherwise the first caller is.
    const mintedHere = !request.force;
    try {
      // Someone may have stored a token between our read and our lease.
      const snapshot = await this.store.read();
      if (!request.force && choice.acceptable(snapshot.token))
        return { token: snapshot.token, mintedHere: false };
      const credentials = this.credentials.active();
      const reason: MintReason =
        request.reason === 'cold' && snapshot.token && choice.usable(snapshot.token)
          ? 'refresh_ahead'
          : request.reason;
      const token = await this.mint(credentials, reason, choice);
      const result = await this.store.write(token, snapshot.generation);
      if (result.written) {
        this.logger.log(
          `Minted token ${token.fingerprint} (generation ${result.generation}, ${reason}, credential version ${credentials.version}, ` +
            `${Math.round((token.expiresAt - token.mintedAt) / 1000)} s, store ${this.store.scope})`,
        );
        void this.pubsub.publish(TOKEN_CHANNEL, String(result.generation));
        return { token: { ...token, generation: result.generation }, mintedHere };
      }
      // Lost the compare-and-set: a newer token or a newer credential version is in the store.
      const again = await this.store.read();
      this.logger.warn(
        `Minted token ${token.fingerprint} was not stored (${result.reason}); following the store`,
      );
      if (again.token && choice.acceptable(again.token))
        return { token: again.token, mintedHere: false };
      return { token: { ...token, generation: 0 }, mintedHere };
    } finally {
      clearInterval(renewal);
      await this.leases.release(lease);
    }
  }

  /** One call to the token endpoint, recorded in the ledger and the state machine either way. */
  private async mint(
    credentials: ZoomCredentials,
    reason: MintReason,
    choice: TokenChoice,
  ): Promise<NewToken> {
    const started = this.clock.now();
    let minted: MintedToken;
    try {
      minted = await this.oauth.mint(credentials, { timeoutMs: this.timings.mintTimeoutMs });
    } catch (error) {
      const latencyMs = this.clock.now() - started;
      const outcome = error instanceof TokenEndpointError ? error.kind : 'unexpected';
      this.ledger.record({ reason, outcome, credentialVersion: credentials.version, latencyMs });
      if (!(error instanceof TokenEndpointError))
        throw error instanceof Error ? error : new Error(String(error), { cause: error });
      if (!error.permanent) this.logger.warn(`Mint failed (${reason}): ${error.message}`);
      throw await this.gate.mintFailed(error, credentials, choice.heldUsable() !== null);
    }
    const token = toNewToken(minted, credentials, reason);
    this.ledger.record({
      reason,
      outcome: 'ok',
      credentialVersion: credentials.version,
      latencyMs: minted.latencyMs,
      tokenFingerprint: token.fingerprint,
    });
    this.gate.minted(credentials.version);
    return token;
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
}
