import type { IncomingMessage } from 'node:http';
import { hasBody } from '../admission/body-deadlines.js';

/** The largest streamed body kept in memory so it can be sent again after a 401 or a 429. */
export const REPLAY_LIMIT_BYTES = 8 * 1024 * 1024;

/**
 * A caller's request body on its way to Zoom. Bodies the gateway already parsed (JSON, at
 * most 1 MB) are forwarded as the exact bytes received. Anything else (multipart uploads,
 * forms, binaries) is streamed; while it streams, up to REPLAY_LIMIT_BYTES are kept, so the one retry
 * after a refused token or a per-second 429 can send it again. A larger stream is sent once.
 */
/**
 * What a streamed body holds besides its copy while it is in flight: a socket read (64 KB), the
 * request's and undici's stream buffers (16 KB each), their objects; counted as 256 KB, so the
 * budget bounds what the bodies hold, not only their copies. (Read buffers already sent on are
 * garbage until V8's next collection: with 40 stalled 7.5 MB uploads and no copies at all the
 * replica's RSS still grew 31 MB.)
 */
export const STREAM_BUFFERS_BYTES = 256 * 1024;

/** Where a retry copy's bytes are counted (RetryBufferBudget): the replica's memory for them. */
export interface CopyBudget {
  tryHold(bytes: number): boolean;
  release(bytes: number): void;
}

/** Why a streamed body is sent once, without a copy for the retry. */
export type CopyDropped = 'too_large' | 'over_budget';

export class OutgoingBody {
  private captured: Buffer[] | null = [];
  private capturedBytes = 0;
  private streamed = false;
  private complete = false;
  private dropped: CopyDropped | undefined;
  private buffersHeld = 0;

  private constructor(
    private readonly source: IncomingMessage | null,
    private readonly buffered: Buffer | null,
    private readonly budget: CopyBudget | undefined,
  ) {}

  /**
   * `rawBody`: the bytes of a body the gateway read whole (JSON); otherwise `request` streams,
   * its retry copy counted against `budget`.
   */
  static from(
    request: IncomingMessage,
    rawBody: Buffer | undefined,
    budget?: CopyBudget,
  ): OutgoingBody {
    if (rawBody) return new OutgoingBody(null, rawBody, undefined);
    return hasBody(request)
      ? new OutgoingBody(request, null, budget)
      : new OutgoingBody(null, Buffer.alloc(0), budget);
  }

  /** Whether the body can be sent (again) now. */
  get replayable(): boolean {
    if (this.source === null) return true;
    return !this.streamed || (this.complete && this.captured !== null);
  }

  /** Set when a streamed body lost its retry copy: past REPLAY_LIMIT_BYTES, or past the replica's budget. */
  get copyDropped(): CopyDropped | undefined {
    return this.dropped;
  }

  /** Buffered bodies set their own Content-Length; a stream keeps the caller's. */
  get length(): number | undefined {
    if (this.buffered) return this.buffered.length;
    if (this.complete && this.captured) return this.capturedBytes;
    return undefined;
  }

  /** The body for one attempt: undefined when there is none. */
  next(): Buffer | AsyncIterable<Buffer> | undefined {
    if (this.buffered) return this.buffered.length ? this.buffered : undefined;
    if (!this.source) return undefined;
    if (this.streamed) {
      const whole = Buffer.concat(this.captured ?? []);
      // One buffer from now on: the pieces are not kept beside it.
      if (this.captured) this.captured = [whole];
      return whole;
    }
    this.streamed = true;
    return this.tee(this.source);
  }

  /** Gives the retry copy's bytes back to the budget: the call is over (answered or failed). */
  release(): void {
    if (this.buffersHeld > 0) this.budget?.release(this.buffersHeld);
    this.buffersHeld = 0;
    this.releaseCopy();
  }

  /** Sends the rest without a copy: the body can no longer be retried. */
  private drop(reason: CopyDropped): void {
    this.releaseCopy();
    this.dropped = reason;
  }

  private releaseCopy(): void {
    if (this.captured && this.capturedBytes > 0) this.budget?.release(this.capturedBytes);
    this.captured = null;
    this.capturedBytes = 0;
  }

  private async *tee(source: IncomingMessage): AsyncGenerator<Buffer> {
    if (this.budget) {
      if (this.budget.tryHold(STREAM_BUFFERS_BYTES)) this.buffersHeld = STREAM_BUFFERS_BYTES;
      else this.drop('over_budget');
    }
    for await (const chunk of source) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      if (this.captured) {
        if (this.capturedBytes + buffer.length > REPLAY_LIMIT_BYTES) this.drop('too_large');
        else if (this.budget && !this.budget.tryHold(buffer.length)) this.drop('over_budget');
        else {
          this.capturedBytes += buffer.length;
          this.captured.push(buffer);
        }
      }
      yield buffer;
    }
    this.complete = true;
  }
}
