import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { AppConfig } from '../config/app-config.js';

export type BodyDeadline = 'idle' | 'total';

interface Watched {
  startedAt: number;
  lastProgressAt: number;
  lastBytes: number;
  expire: (deadline: BodyDeadline) => void;
}

/** Whether a request announces a body (a length above 0, or chunks). */
export function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return (
    request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
  );
}

/**
 * Deadlines on callers' bodies: one that pauses longer than REQUEST_BODY_IDLE_TIMEOUT_MS, or
 * takes longer than REQUEST_BODY_TIMEOUT_MS in all, is cut off (408) and frees what it held: a
 * trickle of bytes cannot keep a connection to Zoom, a place in its app's in-flight cap or a
 * retry copy for minutes. One timer for the replica checks every body still arriving; progress
 * is read from the socket's byte count, so nothing is added to the body's own stream.
 */
@Injectable()
export class BodyDeadlines implements OnModuleDestroy {
  private readonly watched = new Map<IncomingMessage, Watched>();
  private timer: NodeJS.Timeout | undefined;
  private readonly tickMs: number;

  constructor(private readonly config: AppConfig) {
    this.tickMs = Math.max(
      25,
      Math.min(
        1_000,
        Math.floor(Math.min(config.requestBodyIdleTimeoutMs, config.requestBodyTimeoutMs) / 4),
      ),
    );
  }

  /** Follows `request`'s body until it has arrived; `expire` runs once if a deadline passes first. */
  watch(request: IncomingMessage, expire: (deadline: BodyDeadline) => void): void {
    if (request.complete || !hasBody(request)) return;
    const now = Date.now();
    this.watched.set(request, {
      startedAt: now,
      lastProgressAt: now,
      lastBytes: request.socket?.bytesRead ?? 0,
      expire,
    });
    const done = () => this.watched.delete(request);
    request.once('end', done);
    request.once('close', done);
    this.timer ??= setInterval(() => this.check(), this.tickMs).unref();
  }

  /** Bodies still arriving (for tests and metrics). */
  get watching(): number {
    return this.watched.size;
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.watched.clear();
  }

  private check(): void {
    const now = Date.now();
    for (const [request, entry] of this.watched) {
      if (request.complete) {
        this.watched.delete(request);
        continue;
      }
      const bytes = request.socket?.bytesRead ?? entry.lastBytes;
      if (bytes !== entry.lastBytes) {
        entry.lastBytes = bytes;
        entry.lastProgressAt = now;
      }
      const deadline =
        now - entry.startedAt > this.config.requestBodyTimeoutMs
          ? 'total'
          : now - entry.lastProgressAt > this.config.requestBodyIdleTimeoutMs
            ? 'idle'
            : undefined;
      if (deadline) {
        this.watched.delete(request);
        entry.expire(deadline);
      }
    }
    if (this.watched.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
