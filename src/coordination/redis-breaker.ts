import { Logger } from '@nestjs/common';
import { type Cluster, Command, type Redis } from 'ioredis';
import { errorMessage } from '../common/errors/error-message.js';
import { loggableText } from '../common/errors/loggable-error.js';

export interface RedisBreakerOptions {
  /** The least time the breaker stays open after a failure before the first probe. */
  coolDownMs: number;
  /** Between background probes while open. */
  probeIntervalMs: number;
  /** A probe's PING must answer within this. */
  probeTimeoutMs: number;
}

export const REDIS_BREAKER_DEFAULTS: RedisBreakerOptions = {
  coolDownMs: 2_000,
  probeIntervalMs: 1_000,
  probeTimeoutMs: 300,
};

/** The error a command gets at once while the breaker is open: Redis is not asked. */
export class RedisBreakerOpenError extends Error {
  constructor() {
    super('Redis breaker open: coordinating in-process until Redis answers a probe');
    this.name = 'RedisBreakerOpenError';
  }
}

/** A single server's connection (standalone, Sentinel) or a Cluster client: both send through here. */
type GuardedClient = Redis | Cluster;
type Stream = Parameters<Redis['sendCommand']>[1];
type SendCommand = (command: Command, stream?: Stream) => unknown;

/**
 * One Redis connection's circuit breaker. A hung Redis (connection open, no replies) fails
 * every command only after its command timeout; without a breaker each call would pay that
 * again. The first failure opens the breaker: every later command on the connection is refused
 * at once (callers fall back to in-process coordination, see `redisReady`), and a background
 * PING with a short deadline closes it again once Redis answers, or a reconnect does.
 *
 * Hand-written rather than cockatiel's CircuitBreakerPolicy: that one lets a trial call through
 * on the hot path when half-open (on a hung Redis, a caller pays a timeout again per cool-down)
 * and needs every caller to wrap its calls; this one sits under the client, so every Redis user
 * is covered at once and only the background probe ever waits on a hung server.
 */
export class RedisBreaker {
  private readonly logger = new Logger('Redis');
  private openedAt: number | null = null;
  private probing = false;
  private timer: NodeJS.Timeout | undefined;
  private lastFailure: string | null = null;
  private readonly listeners: ((open: boolean) => void)[] = [];
  private opens = 0;
  private lastReplyAt = 0;
  private readonly send: SendCommand;

  constructor(
    private readonly client: GuardedClient,
    private readonly options: RedisBreakerOptions = REDIS_BREAKER_DEFAULTS,
    private readonly now: () => number = Date.now,
  ) {
    const original: SendCommand = client.sendCommand;
    this.send = original.bind(client);
    // Every command of this connection (commands, scripts, pipelines) passes through here.
    const through: SendCommand = (command, stream) => this.sendThrough(command, stream);
    Object.assign(client, { sendCommand: through });
    // A fresh connection is a working one: fleet coordination resumes without waiting for a probe.
    client.on('ready', () => this.close('reconnected'));
  }

  /** True while commands are refused without asking Redis. */
  get open(): boolean {
    return this.openedAt !== null;
  }

  /** What health and diagnostics show: never a host, port or URL. */
  describe(): {
    state: 'closed' | 'open';
    since: string | null;
    lastFailure: string | null;
    opens: number;
  } {
    return {
      state: this.open ? 'open' : 'closed',
      since: this.openedAt === null ? null : new Date(this.openedAt).toISOString(),
      lastFailure: this.lastFailure,
      opens: this.opens,
    };
  }

  /** Called with true when the breaker opens and false when it closes. */
  onChange(listener: (open: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** Stops the background probe (shutdown). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private sendThrough(command: Command, stream?: Stream): unknown {
    // Only a connection that looks ready is short-circuited: ioredis's own handshake (INFO,
    // SELECT) while connecting must reach Redis, and a closed connection already fails fast.
    if (this.open && this.client.status === 'ready') {
      command.reject(new RedisBreakerOpenError());
      return command.promise;
    }
    const sentAt = this.now();
    const result = this.send(command, stream);
    // A side branch that only watches: the caller still gets the original answer or rejection.
    command.promise.then(
      () => {
        this.lastReplyAt = this.now();
      },
      (error: unknown) => this.failed(error, sentAt),
    );
    return result;
  }

  private failed(error: unknown, sentAt: number): void {
    if (!(error instanceof Error)) return;
    // Redis answered (a script error, NOSCRIPT, WRONGTYPE): the server is alive.
    if (error.name === 'ReplyError') this.lastReplyAt = this.now();
    if (error.name === 'ReplyError' || error instanceof RedisBreakerOpenError) return;
    // A timeout while other replies arrived since this command was sent is a busy server (or a
    // busy replica reading late), not a hung one: only silence opens the breaker.
    if (/timed out/i.test(error.message) && this.lastReplyAt > sentAt) return;
    this.trip(error.message);
  }

  private trip(message: string): void {
    const why = withoutAddress(message);
    this.lastFailure = why;
    if (this.open) return;
    this.openedAt = this.now();
    this.opens++;
    this.logger.warn(
      `Redis failed (${why}): coordinating in-process; probing Redis in the background`,
    );
    for (const listener of this.listeners) listener(true);
    this.schedule(this.options.coolDownMs);
  }

  private close(why: string): void {
    this.stop();
    if (!this.open) return;
    const outage = this.now() - (this.openedAt ?? this.now());
    this.openedAt = null;
    this.logger.log(`Redis answers again (${why}, after ${outage} ms): fleet coordination resumed`);
    for (const listener of this.listeners) listener(false);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.probe(), ms);
    this.timer.unref();
  }

  private async probe(): Promise<void> {
    if (!this.open || this.probing) return;
    this.probing = true;
    try {
      await this.ping();
      this.close('PING answered');
    } catch (error) {
      this.lastFailure = withoutAddress(errorMessage(error));
      if (this.open) this.schedule(this.options.probeIntervalMs);
    } finally {
      this.probing = false;
    }
  }

  /** PING on the connection itself (not a new one): a hung server leaves it unanswered. */
  private async ping(): Promise<void> {
    if (this.client.status !== 'ready') throw new Error(`connection ${this.client.status}`);
    let timer: NodeJS.Timeout | undefined;
    // Sent past the short-circuit, straight to the connection.
    const command = new Command('ping', []);
    void this.send(command);
    const pong: Promise<unknown> = command.promise;
    pong.catch(() => undefined);
    try {
      await Promise.race([
        pong,
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no PONG within ${this.options.probeTimeoutMs} ms`)),
            this.options.probeTimeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Health and logs say what failed, never where (loggableText: hosts, addresses, ports, URLs). */
export function withoutAddress(message: string): string {
  return loggableText(message, 'redis');
}

const breakers = new WeakMap<GuardedClient, RedisBreaker>();

/** Puts a breaker under `client` (once); `redisReady` consults it. */
export function guardRedisClient(
  client: GuardedClient,
  options?: RedisBreakerOptions,
): RedisBreaker {
  const existing = breakers.get(client);
  if (existing) return existing;
  const breaker = new RedisBreaker(client, options);
  breakers.set(client, breaker);
  return breaker;
}

/** The breaker of a client made by createRedisClient, or null (subscriber, test doubles). */
export function redisBreakerOf(client: GuardedClient | null): RedisBreaker | null {
  return client ? (breakers.get(client) ?? null) : null;
}
