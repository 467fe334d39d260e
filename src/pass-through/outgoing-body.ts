import type { IncomingMessage } from 'node:http';

/** The largest streamed body kept in memory so it can be sent again after a 401 or a 429. */
export const REPLAY_LIMIT_BYTES = 8 * 1024 * 1024;

/**
 * A caller's request body on its way to Zoom. Bodies the gateway already parsed (JSON, forms:
 * at most 1 MB) are forwarded as the exact bytes received. Anything else (multipart uploads,
 * binaries) is streamed; while it streams, up to REPLAY_LIMIT_BYTES are kept, so the one retry
 * after a refused token or a per-second 429 can send it again. A larger stream is sent once.
 */
export class OutgoingBody {
  private captured: Buffer[] | null = [];
  private capturedBytes = 0;
  private streamed = false;
  private complete = false;

  private constructor(
    private readonly source: IncomingMessage | null,
    private readonly buffered: Buffer | null,
  ) {}

  static from(request: IncomingMessage & { rawBody?: Buffer }): OutgoingBody {
    if (request.rawBody) return new OutgoingBody(null, request.rawBody);
    const length = request.headers['content-length'];
    const hasBody =
      request.headers['transfer-encoding'] !== undefined ||
      (length !== undefined && length !== '0');
    return new OutgoingBody(hasBody ? request : null, hasBody ? null : Buffer.alloc(0));
  }

  /** Whether the body can be sent (again) now. */
  get replayable(): boolean {
    if (this.source === null) return true;
    return !this.streamed || (this.complete && this.captured !== null);
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
    if (this.streamed) return Buffer.concat(this.captured ?? []);
    this.streamed = true;
    return this.tee(this.source);
  }

  private async *tee(source: IncomingMessage): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      if (this.captured) {
        this.capturedBytes += buffer.length;
        if (this.capturedBytes > REPLAY_LIMIT_BYTES) this.captured = null;
        else this.captured.push(buffer);
      }
      yield buffer;
    }
    this.complete = true;
  }
}
