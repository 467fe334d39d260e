import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Clock } from '../../common/clock.js';
import { PubSubService } from '../../coordination/pubsub.service.js';
import type { ZoomToken } from './token-store/token-store.js';
import { TOKEN_SERVICE_TIMINGS } from './token-timing.js';

/** The channel announcing stored tokens (a generation) and tokens Zoom accepted (`ok:<fingerprint>`). */
export const TOKEN_CHANNEL = 'zoom-token';
const ACCEPTED_PREFIX = 'ok:';

/** How many fingerprints each memory keeps (refused, accepted): enough for a day of tokens. */
const MEMORY = 64;

interface PendingVerdict {
  fingerprint: string;
  promise: Promise<boolean>;
  settle: (accepted: boolean) => void;
  canaryTaken: boolean;
}

/** Keeps an insertion-ordered set bounded: drops its oldest entry once it holds more than `max`. */
function remember(set: Set<string>, fingerprint: string, max = MEMORY): void {
  set.add(fingerprint);
  if (set.size <= max) return;
  const oldest = set.values().next();
  if (!oldest.done) set.delete(oldest.value);
}

/**
 * What Zoom said about which token, and the replacement canary: a token minted to replace a
 * refused one is tried by one caller (the canary) while the others wait for Zoom's verdict on
 * it, so a refused app costs one API call, not one per waiting caller. A replacement refused
 * moments after it was minted, and never accepted anywhere in the fleet, means Zoom refuses the
 * app; a later refusal of a token Zoom accepted is an ordinary invalidation.
 */
@Injectable()
export class ReplacementCanary implements OnModuleInit {
  private readonly refusedTokens = new Set<string>();
  private readonly acceptedTokens = new Set<string>();
  private pending: PendingVerdict | null = null;
  readonly timings = { ...TOKEN_SERVICE_TIMINGS };

  constructor(
    private readonly pubsub: PubSubService,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.pubsub.subscribe(TOKEN_CHANNEL, (message) => {
      if (message.startsWith(ACCEPTED_PREFIX)) this.confirm(message.slice(ACCEPTED_PREFIX.length));
    });
  }

  /** Hot path: whether callers of `token` must go through `admit` (a replacement awaiting Zoom's verdict). */
  awaitsVerdict(token: ZoomToken): boolean {
    return this.pending?.fingerprint === token.fingerprint;
  }

  /**
   * This replica now holds `token`. A fresh replacement Zoom has not accepted yet awaits a verdict;
   * `mintedHere`: this process minted it, so its first caller is the canary; otherwise the
   * minting replica's caller is, and callers here wait for the fleet's announcement.
   */
  watch(token: ZoomToken, mintedHere: boolean): void {
    if (this.pending?.fingerprint === token.fingerprint) return;
    this.abandon();
    if (!this.isUnprovenReplacement(token)) return;
    let settle!: (accepted: boolean) => void;
    const promise = new Promise<boolean>((resolve) => (settle = resolve));
    this.pending = { fingerprint: token.fingerprint, promise, settle, canaryTaken: !mintedHere };
  }

  /** The held token is dropped (refused, rejected, retired): whoever waits on it tries again. */
  abandon(): void {
    this.pending?.settle(false);
    this.pending = null;
  }

  /**
   * Whether the caller may use `token`: the canary at once; the others once Zoom accepted it, or
   * when no verdict came in time (they then try it themselves, and a refusal decides). False
   * when Zoom refused it: the caller should ask for the current token again.
   */
  async admit(token: ZoomToken): Promise<boolean> {
    const pending = this.pending;
    if (pending?.fingerprint !== token.fingerprint) return true;
    if (!pending.canaryTaken) {
      pending.canaryTaken = true;
      return true;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timings.verdictWaitMs);
      timer.unref();
    });
    const outcome = await Promise.race([pending.promise, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout' && this.pending === pending) this.pending = null;
    return outcome !== false;
  }

  /** Zoom answered a call made with `token` with something other than a refusal. */
  accepted(token: ZoomToken): void {
    // Hot path: one set lookup. The first acceptance is announced, so every replica knows Zoom
    // honoured the token (a later refusal of it is then an invalidation, not a refused app).
    if (this.acceptedTokens.has(token.fingerprint)) return;
    this.confirm(token.fingerprint);
    void this.pubsub.publish(TOKEN_CHANNEL, `${ACCEPTED_PREFIX}${token.fingerprint}`);
  }

  /**
   * Zoom refused `token` (401/124). True when that proves the app is refused: the token was minted
   * moments ago to replace a refused one, no replica saw Zoom accept it, and Zoom did not call it
   * expired.
   */
  refused(token: ZoomToken, zoomMessage: string | undefined): boolean {
    // Callers waiting on this token's verdict keep waiting: the replacement's adoption, the
    // rejected state or their deadline releases them, so a refusal does not race the replacement.
    remember(this.refusedTokens, token.fingerprint);
    const replacement =
      token.reason === 'invalidated' || token.reason === 'probe' || token.reason === 'rotation';
    const expired = /expired/i.test(zoomMessage ?? '');
    return (
      replacement &&
      !expired &&
      !this.acceptedTokens.has(token.fingerprint) &&
      this.clock.now() - token.mintedAt < this.timings.freshRefusalMs
    );
  }

  wasRefused(token: ZoomToken): boolean {
    return this.refusedTokens.has(token.fingerprint);
  }

  /** A fresh replacement (or probe) no replica has seen Zoom accept. */
  private isUnprovenReplacement(token: ZoomToken): boolean {
    const replacement = token.reason === 'invalidated' || token.reason === 'probe';
    return (
      replacement &&
      !this.acceptedTokens.has(token.fingerprint) &&
      this.clock.now() - token.mintedAt < this.timings.freshRefusalMs
    );
  }

  private confirm(fingerprint: string): void {
    remember(this.acceptedTokens, fingerprint);
    if (this.pending?.fingerprint === fingerprint) {
      this.pending.settle(true);
      this.pending = null;
    }
  }
}
