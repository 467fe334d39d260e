import { Redis } from 'ioredis';
import { createServer, type Server, type Socket } from 'node:net';
import {
  guardRedisClient,
  RedisBreaker,
  RedisBreakerOpenError,
  withoutAddress,
} from './redis-breaker.js';
import { redisReady } from './redis.provider.js';

/**
 * A stand-in Redis that answers every command `+OK` (PING `+PONG`, BOGUS an error) while thawed and nothing at
 * all while frozen, like a SIGSTOPped server: the connection stays open, replies wait.
 */
class FreezableRedis {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly held: Array<{ socket: Socket; reply: string }> = [];
  frozen = false;
  /** When set, replies leave one at a time this many ms apart: a busy server, not a hung one. */
  slowMs = 0;
  private slowQueue: Promise<void> = Promise.resolve();
  commands = 0;

  constructor() {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('data', (chunk: Buffer) => {
        // Each command is a RESP array whose first element is its name.
        for (const match of chunk.toString().matchAll(/\*\d+\r\n\$\d+\r\n([A-Za-z]+)\r\n/g)) {
          this.commands++;
          const name = match[1]?.toLowerCase();
          const reply =
            name === 'ping'
              ? '+PONG\r\n'
              : name === 'bogus'
                ? '-ERR unknown command\r\n'
                : '+OK\r\n';
          if (this.frozen) this.held.push({ socket, reply });
          else if (this.slowMs > 0)
            this.slowQueue = this.slowQueue.then(
              () =>
                new Promise<void>((resolve) =>
                  setTimeout(() => {
                    if (!socket.destroyed) socket.write(reply);
                    resolve();
                  }, this.slowMs),
                ),
            );
          else socket.write(reply);
        }
      });
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  thaw(): void {
    this.frozen = false;
    for (const { socket, reply } of this.held.splice(0)) socket.write(reply);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const OPTIONS = { coolDownMs: 200, probeIntervalMs: 100, probeTimeoutMs: 50 };

describe(RedisBreaker.name, () => {
  let fake: FreezableRedis;
  let client: Redis;
  let breaker: RedisBreaker;

  beforeEach(async () => {
    fake = new FreezableRedis();
    const port = await fake.listen();
    client = new Redis({
      port,
      host: '127.0.0.1',
      enableReadyCheck: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 150,
      lazyConnect: true,
    });
    breaker = guardRedisClient(client, OPTIONS);
    await client.connect();
  });

  afterEach(async () => {
    breaker.stop();
    client.disconnect();
    await fake.close();
  });

  it('passes commands through while Redis answers', async () => {
    await expect(client.set('k', 'v')).resolves.toBe('OK');
    expect(redisReady(client)).toBe(true);
  });

  it('stays closed when commands time out while Redis keeps answering, only slowly', async () => {
    fake.slowMs = 100; // command timeout 150 ms: the later ones of a burst time out
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => client.set(`k${i}`, 'v')),
    );
    expect(outcomes.some((o) => o.status === 'rejected')).toBe(true);
    expect(breaker.open).toBe(false);
  });

  it('costs one command timeout when Redis hangs, then refuses commands at once', async () => {
    fake.frozen = true;
    await expect(client.set('k', 'v')).rejects.toThrow('Command timed out');
    expect(breaker.open).toBe(true);
    expect(redisReady(client)).toBe(false);
    const sentBefore = fake.commands;
    const started = Date.now();
    await expect(client.get('k')).rejects.toBeInstanceOf(RedisBreakerOpenError);
    expect(Date.now() - started).toBeLessThan(20);
    // Refused here: nothing was written to the hung connection.
    expect(fake.commands).toBe(sentBefore);
  });

  it('keeps probing in the background and closes once Redis answers a PING', async () => {
    const changes: boolean[] = [];
    breaker.onChange((open) => changes.push(open));
    fake.frozen = true;
    await expect(client.set('k', 'v')).rejects.toThrow('Command timed out');
    // Cool-down, then probes that go unanswered.
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(breaker.open).toBe(true);
    fake.thaw();
    await vi.waitFor(() => expect(breaker.open).toBe(false), { timeout: 2_000 });
    await expect(client.get('k')).resolves.toBe('OK');
    expect(changes).toEqual([true, false]);
    expect(breaker.describe()).toMatchObject({
      state: 'closed',
      opens: 1,
    });
  });

  it('stays closed when Redis answers with an error (the server is alive)', async () => {
    await expect(client.call('bogus')).rejects.toThrow('unknown command');
    expect(breaker.open).toBe(false);
    await expect(client.get('k')).resolves.toBe('OK');
  });

  it('never repeats where Redis is in what it reports', () => {
    expect(withoutAddress('connect ECONNREFUSED 10.0.0.7:6379 via redis://u:p@cache:6379/0')).toBe(
      'connect ECONNREFUSED <redis> via redis://<redis>',
    );
  });
});
