import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../common/clock.js';
import { DomainError, ErrorCode } from '../../common/errors/index.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import type { ZoomCredentials } from '../credentials/zoom-credentials.js';
import { type AuthCause, tokenEndpointCause, type ZoomAuthSnapshot } from './auth-state.js';
import type { MintReason, ZoomToken } from './token-store/token-store.js';
import { ZoomAuthStateService } from './zoom-auth-state.service.js';
import type { TokenEndpointError } from './zoom-oauth.client.js';

/**
 * The token path's door to the auth state machine: whether a mint may be attempted now, the
 * error callers get while it may not (fail fast while rejected, with wrong credentials or while
 * backing off), and what mints and Zoom's answers tell the state machine.
 */
@Injectable()
export class TokenGate {
  private readonly logger = new Logger('ZoomToken');

  constructor(
    private readonly state: ZoomAuthStateService,
    private readonly credentials: CredentialsService,
    private readonly clock: Clock,
  ) {}

  /** Throws the blocked error when no mint may be attempted now. */
  check(): void {
    const snapshot = this.state.snapshot();
    if (this.closed(snapshot)) throw this.blockedError(snapshot);
    if (
      (snapshot.state === 'degraded' || snapshot.state === 'unreachable') &&
      snapshot.retryAt !== null &&
      this.clock.now() < snapshot.retryAt
    ) {
      throw this.blockedError(snapshot);
    }
  }

  /**
   * For a caller without a usable token: null when it may refresh as usual; the mint reason when
   * it holds the fleet's one probe of this back-off period (it is then the probe's canary);
   * throws the blocked error otherwise.
   */
  async admitWithoutToken(): Promise<MintReason | null> {
    const snapshot = this.state.snapshot();
    if (!this.closed(snapshot)) return null;
    if (await this.state.claimProbe()) {
      this.logger.log(`Probing Zoom with one fresh token for the fleet (state ${snapshot.state})`);
      return snapshot.state === 'rejected' ? 'probe' : 'cold';
    }
    throw this.blockedError(snapshot);
  }

  throwIfRejected(): void {
    const snapshot = this.state.snapshot();
    if (snapshot.state === 'rejected') throw this.blockedError(snapshot);
  }

  /** Zoom refused `token`, a replacement it never accepted, moments after it was minted: the app is refused. */
  async rejected(token: ZoomToken, cause: AuthCause): Promise<DomainError> {
    const snapshot = await this.state.recordRejected(
      token.credentialVersion,
      token.fingerprint,
      cause,
    );
    return this.blockedError(snapshot);
  }

  minted(credentialVersion: number): void {
    this.state.noteMinted(credentialVersion);
  }

  accepted(token: ZoomToken): void {
    this.state.noteAccepted(token.mintedAt, token.credentialVersion);
  }

  /** Records why the token endpoint gave no token and returns the error for the caller. */
  async mintFailed(
    error: TokenEndpointError,
    credentials: ZoomCredentials,
    haveToken: boolean,
  ): Promise<DomainError> {
    const cause = tokenEndpointCause(error, this.clock.now());
    if (error.permanent) {
      await this.state.recordInvalidCredentials(credentials.clientId, credentials.version, cause);
      this.logger.error(error.message);
      return this.blockedError(this.state.snapshot());
    }
    await this.state.recordEndpointFailure({
      haveToken,
      words: error.message,
      retryAfterMs: error.details.retryAfterMs,
      credentialVersion: credentials.version,
      cause,
    });
    return this.blockedError(this.state.snapshot(), error.message);
  }

  /** Rejected, or invalid_client for the credentials still active: only a probe may mint. */
  private closed(snapshot: ZoomAuthSnapshot): boolean {
    if (snapshot.state === 'rejected') return true;
    return snapshot.state === 'invalid_credentials' && this.sameCredentials(snapshot);
  }

  private sameCredentials(snapshot: ZoomAuthSnapshot): boolean {
    return (
      snapshot.credentialVersion === null ||
      snapshot.credentialVersion >= this.credentials.active().version
    );
  }

  /** The error a caller sees while the state machine holds calls back. */
  private blockedError(snapshot: ZoomAuthSnapshot, words?: string): DomainError {
    const retryAfter = snapshot.retryAt
      ? Math.max(1, Math.ceil((snapshot.retryAt - this.clock.now()) / 1000))
      : 5;
    // The state's cause travels with the error, so whoever records it keeps the data, not words.
    const options = { headers: { 'Retry-After': String(retryAfter) }, cause: snapshot.cause };
    const next = snapshot.retryAt
      ? ` Next attempt at ${new Date(snapshot.retryAt).toISOString()}.`
      : '';
    switch (snapshot.state) {
      case 'rejected':
        return new DomainError(
          ErrorCode.ZoomAuthRejected,
          `${snapshot.reason} The gateway holds back calls to Zoom meanwhile.${next}`,
          options,
        );
      case 'invalid_credentials':
        return new DomainError(ErrorCode.ZoomInvalidCredentials, snapshot.reason, options);
      default:
        return new DomainError(
          ErrorCode.ZoomUnavailable,
          `Zoom's token endpoint is not giving tokens: ${words ?? snapshot.reason}`,
          options,
        );
    }
  }
}
