import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Clock } from '../../common/clock.js';
import { DomainError, ErrorCode } from '../../common/errors/index.js';
import { AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { setSpanAttribute, withSpan } from '../../tracing/span.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import type { ZoomCredentials } from '../credentials/zoom-credentials.js';
import { ReplacementCanary } from './replacement-canary.js';
import { TokenGate } from './token-gate.js';
import { type MintRequest, TokenMinter, type TokenChoice } from './token-minter.js';
import type { MintReason, ZoomToken } from './token-store/token-store.js';
import { DEFAULT_TIMING, refreshAt, replicaJitter, usableUntil } from './token-timing.js';
import { FleetTokenStore } from './token-store/fleet-token-store.js';
import { ZoomAuthStateService } from './zoom-auth-state.service.js';
import type { MintedToken } from './zoom-oauth.client.js';
import { loggableError } from '../../common/errors/loggable-error.js';

export type { MintReason, ZoomToken } from './token-store/token-store.js';

/** Span attribute: how getToken obtained the token. */
const TOKEN_SOURCE = 'zoom.token.source';

/**
 * What the caller does after telling the token service what Zoom answered: retry once with
 * another token, or stop and handle the answer it has.
 */
export type AfterAnswer = { retryWith: ZoomToken } | { done: true };

/** A token handed out for the one retry after a refusal: a refusal of it is never retried. */
interface RetryToken extends ZoomToken {
  readonly retry: true;
}

function isRetry(token: ZoomToken): token is RetryToken {
  return 'retry' in token && token.retry === true;
}

/** Zoom's error body fields the token protocol reads. */
function zoomMessage(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('message' in body)) return undefined;
  return typeof body.message === 'string' ? body.message : undefined;
}

function zoomCode(body: unknown): number | undefined {
  if (typeof body !== 'object' || body === null || !('code' in body)) return undefined;
  return typeof body.code === 'number' ? body.code : undefined;
}

/** A Zoom answer as the token service reads it: the body only when the status calls for it. */
export interface ZoomAnswerToToken {
  status: number;
  readonly data: unknown;
}

/** Zoom's answer for a token it does not honour: HTTP 401 with code 124 (invalid or expired). */
function isTokenRefusal(answer: ZoomAnswerToToken): boolean {
  return answer.status === 401 && zoomCode(answer.data) === 124;
}

interface Held {
  token: ZoomToken;
  refreshAt: number;
  usableUntil: number;
}

/**
 * One Zoom access token for the whole fleet, and the one owner of its protocol with Zoom's
 * answers. The hot path serves it from memory; a background refresh starts inside a jittered
 * window before expiry; one refresh runs per process and one mint per fleet (TokenMinter). After
 * each answer the caller asks `onAnswer` what to do: a refused token is replaced once, and a
 * fresh replacement refused again puts the fleet in `rejected` (ReplacementCanary, TokenGate).
 */
@Injectable()
export class ZoomTokenService implements OnModuleInit {
  private readonly logger = new Logger('ZoomToken');
  private held: Held | null = null;
  private inflight: Promise<ZoomToken> | null = null;
  private readonly jitter: number;
  private readonly unauthorized;
  private readonly choice: TokenChoice = {
    acceptable: (token): token is ZoomToken => this.acceptable(token),
    usable: (token) => this.clock.now() < usableUntil(token, DEFAULT_TIMING),
    heldUsable: () => {
      const held = this.held;
      return held && this.clock.now() < held.usableUntil ? held.token : null;
    },
  };

  constructor(
    private readonly minter: TokenMinter,
    private readonly canary: ReplacementCanary,
    private readonly gate: TokenGate,
    private readonly state: ZoomAuthStateService,
    private readonly credentials: CredentialsService,
    private readonly clock: Clock,
    config: AppConfig,
    metrics: MetricsService,
    private readonly store: FleetTokenStore,
  ) {
    this.jitter = replicaJitter(config.replicaId);
    this.unauthorized = metrics.counter(
      'zoom_token_401_total',
      'Zoom API calls answered 401 (code 124) for a token',
    );
  }

  onModuleInit(): void {
    this.minter.onStored((generation) => void this.onStored(generation));
    this.credentials.onActivated((credentials) => void this.onCredentialsActivated(credentials));
    this.state.onChange((snapshot) => {
      // Nobody may keep using a token of an app Zoom refuses; waiters re-check the gate.
      if (snapshot.state === 'rejected') {
        this.canary.abandon();
        this.held = null;
      }
      this.minter.wake();
    });
  }

  /** The bearer for a Zoom call. Hot path: a fresh token is served from memory with no I/O. */
  async getAccessToken(): Promise<string> {
    return (await this.getToken()).accessToken;
  }

  /** The token with its identity (generation, credential version), to hand back to `onAnswer`. */
  getToken(): Promise<ZoomToken> {
    return withSpan('zoom.token', {}, () => this.currentToken());
  }

  /**
   * getToken's work; its span says how (zoom.token.source): hot (memory), waited (on another
   * caller's refresh or a canary's verdict), refreshed (from the shared store), minted (here).
   */
  private currentToken(): Promise<ZoomToken> {
    const held = this.held;
    if (held !== null) {
      const now = this.clock.now();
      if (now < held.usableUntil) {
        if (this.canary.awaitsVerdict(held.token)) {
          setSpanAttribute(TOKEN_SOURCE, 'waited');
          return this.throughCanary(held.token);
        }
        // While the fleet's Redis is away (a failover lasts seconds) the held token serves on: a
        // refresh now would be one mint per replica instead of one for the fleet.
        if (now >= held.refreshAt && this.inflight === null && !this.store.sharedStoreAway)
          this.refreshAhead();
        setSpanAttribute(TOKEN_SOURCE, 'hot');
        return Promise.resolve(held.token);
      }
    }
    setSpanAttribute(TOKEN_SOURCE, this.inflight === null ? 'refreshed' : 'waited');
    return this.withoutToken();
  }

  /**
   * Zoom answered a call made with `token` with `answer`. A first refusal (401/124)
   * drops exactly that token (compare-and-delete) and gives the token to retry with, once; a
   * refusal of that retry is final. Throws the rejected error when a token minted moments ago to
   * replace a refused one is refused too. Anything else Zoom answered counts as acceptance.
   */
  async onAnswer(token: ZoomToken, answer: ZoomAnswerToToken): Promise<AfterAnswer> {
    const { status } = answer;
    if (!isTokenRefusal(answer)) {
      // Any answer but a refusal means Zoom honoured the token (a 401 with another code does not say).
      if (status !== 401) this.accepted(token);
      return { done: true };
    }
    const body = answer.data;
    this.unauthorized.inc();
    const message = zoomMessage(body);
    const provesRejection = this.canary.refused(token, message);
    if (this.held?.token.fingerprint === token.fingerprint) this.held = null;
    await this.minter.forget(token);
    if (provesRejection) {
      throw await this.gate.rejected(token, {
        kind: 'api_refusal',
        status,
        code: zoomCode(body),
        message,
      });
    }
    this.gate.throwIfRejected();
    if (isRetry(token)) return { done: true };
    this.logger.warn(
      `Zoom refused token ${token.fingerprint} (generation ${token.generation}, ${message ?? '401'}): replacing it once`,
    );
    const retryWith: RetryToken = { ...(await this.replacement()), retry: true };
    return { retryWith };
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
    const stored = await this.minter.storeMinted(minted, credentials, reason);
    if (stored) this.adopt(stored, false);
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
    return { ...identity, store: this.minter.scope };
  }

  // ------------------------------------------------------------------ internals

  private accepted(token: ZoomToken): void {
    this.gate.accepted(token);
    this.canary.accepted(token);
  }

  /** The token to retry with after a refusal: a replacement for the fleet, through its canary. */
  private async replacement(): Promise<ZoomToken> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const next = await this.refresh('invalidated');
      if (this.canary.wasRefused(next)) continue;
      return this.held?.token.fingerprint === next.fingerprint ? this.throughCanary(next) : next;
    }
    throw new DomainError(
      ErrorCode.ZoomUnavailable,
      'Zoom refused the access token and no replacement could be obtained.',
    );
  }

  /** No usable token here: refresh, unless the gate only lets the fleet's one probe through. */
  private async withoutToken(): Promise<ZoomToken> {
    const probe = await this.gate.admitWithoutToken();
    if (probe === null) return this.refresh('cold');
    // This caller is the probe's canary: it tries the token; others await its verdict.
    return this.obtain({ reason: probe, force: true, bypassGate: true });
  }

  private refreshAhead(): void {
    this.refresh('refresh_ahead').catch((error: Error) => {
      // Callers keep the current token; the failure is already in the state machine and the ledger.
      this.logger.debug(`Background refresh did not complete: ${loggableError(error)}`);
    });
  }

  /** One in-flight refresh per process; everyone else awaits it. */
  private refresh(reason: MintReason): Promise<ZoomToken> {
    if (this.inflight) return this.inflight;
    const run = this.obtain({ reason }).finally(() => {
      if (this.inflight === run) this.inflight = null;
    });
    this.inflight = run;
    return run;
  }

  private async obtain(request: MintRequest): Promise<ZoomToken> {
    const { token, mintedHere } = await this.minter.obtain(request, this.choice);
    if (mintedHere) setSpanAttribute(TOKEN_SOURCE, 'minted');
    return this.adopt(token, mintedHere);
  }

  /** Waits for the canary's verdict when `token` is an unproven replacement; re-asks if Zoom refused it. */
  private async throughCanary(token: ZoomToken): Promise<ZoomToken> {
    if (await this.canary.admit(token)) return token;
    this.gate.throwIfRejected();
    return this.getToken();
  }

  /** Good to adopt: current credentials, not refused, and outside this replica's refresh window. */
  private acceptable(token: ZoomToken | null): token is ZoomToken {
    if (!token || this.canary.wasRefused(token)) return false;
    if (token.credentialVersion < this.credentials.active().version) return false;
    return this.clock.now() < refreshAt(token, this.jitter, DEFAULT_TIMING);
  }

  private adopt(token: ZoomToken, mintedHere: boolean): ZoomToken {
    if (this.held?.token.fingerprint !== token.fingerprint) {
      this.canary.watch(token, mintedHere);
      this.held = {
        token,
        refreshAt: refreshAt(token, this.jitter, DEFAULT_TIMING),
        usableUntil: usableUntil(token, DEFAULT_TIMING),
      };
    }
    this.minter.wake();
    return token;
  }

  /** Another replica stored a newer token: take it now rather than at our next refresh. */
  private async onStored(generation: number): Promise<void> {
    if (this.held && this.held.token.generation >= generation) return;
    const token = await this.minter.read().catch(() => null);
    if (this.acceptable(token) && token.generation > (this.held?.token.generation ?? -1))
      this.adopt(token, false);
  }

  private async onCredentialsActivated(credentials: ZoomCredentials): Promise<void> {
    if (this.held && this.held.token.credentialVersion < credentials.version) this.held = null;
    try {
      await this.minter.retireBelow(credentials.version);
      await this.state.reset(credentials.version);
    } catch (error) {
      this.logger.warn(
        `Could not retire tokens of credential versions below ${credentials.version}: ${loggableError(error)}`,
      );
    }
    this.minter.wake();
  }
}
