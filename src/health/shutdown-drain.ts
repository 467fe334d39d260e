import { Injectable, type OnApplicationBootstrap, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { HealthIndicatorService } from '@nestjs/terminus';
import { type IncomingMessage, Server, type ServerResponse } from 'node:http';

/**
 * A replica's way out of the fleet without losing a call (main.ts runs it at SIGTERM). Closing
 * idle keep-alive connections at once loses the request a client sends on one at that instant
 * (a reset socket), and whoever still routes here (an endpoint list not yet updated, a pooled
 * connection to a Service address) gets refused. So for SHUTDOWN_DRAIN_MS the replica keeps
 * accepting and serving, readiness answers 503 so the orchestrator routes elsewhere, and every
 * answer carries `Connection: close` so keep-alive clients reconnect elsewhere instead of reusing
 * a connection that is about to close. Only then does it stop listening (closeHttpServer).
 */
@Injectable()
export class ShutdownDrain implements OnApplicationBootstrap {
  private startedAt: Date | undefined;
  private endsAt: Date | undefined;
  private cutShort: (() => void) | undefined;
  private readonly watched = new WeakSet<Server>();
  /** Answers not yet sent when the drain begins: they must say `Connection: close` too. */
  private readonly inFlight = new Set<ServerResponse>();

  constructor(
    private readonly indicators: HealthIndicatorService,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  onApplicationBootstrap(): void {
    // Absent in the CLI, which serves no HTTP.
    const server: unknown = this.adapterHost?.httpAdapter?.getHttpServer();
    if (server instanceof Server) this.watch(server);
  }

  get draining(): boolean {
    return this.startedAt !== undefined;
  }

  /** Follows `server`'s requests, so the drain reaches the ones already in flight when it begins. */
  watch(server: Server): void {
    if (this.watched.has(server)) return;
    this.watched.add(server);
    // Before any other listener (the fast paths, Express), so no answer escapes it.
    server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
      if (this.draining) {
        res.shouldKeepAlive = false;
        return;
      }
      this.inFlight.add(res);
      res.once('close', () => this.inFlight.delete(res));
    });
  }

  /**
   * Starts the drain on `server` (readiness fails from now on) and resolves when it is over:
   * after `drainMs`, at once with 0, or when `end()` cuts it short.
   */
  run(server: Server, drainMs: number): Promise<void> {
    this.watch(server);
    if (this.startedAt === undefined) {
      this.startedAt = new Date();
      this.endsAt = new Date(this.startedAt.getTime() + drainMs);
      // An answer whose headers already left (a stream) keeps its connection until idle.
      for (const res of this.inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
      this.inFlight.clear();
    }
    if (drainMs <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, drainMs);
      this.cutShort = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Ends a drain in progress now (a second signal: the operator does not want to wait). */
  end(): void {
    this.cutShort?.();
    this.cutShort = undefined;
  }

  /** Readiness while draining: down, in words, with no I/O. */
  check(key = 'shutdown') {
    return this.indicators.check(key).down({
      message:
        'Draining for shutdown (SIGTERM): still serving calls, each answered with Connection: close; ' +
        'send new traffic to another replica',
      since: this.startedAt?.toISOString(),
      stopsListeningAt: this.endsAt?.toISOString(),
    });
  }
}

/**
 * Stops taking connections and resolves once every one has closed: idle keep-alive connections
 * now, busy ones right after their answer (run the drain first, so those answers close them).
 */
export function closeHttpServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
