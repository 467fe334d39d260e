// A private redis-server process for one test file, so a test can freeze (SIGSTOP), thaw
// (SIGCONT) and kill it without touching the Redis every other test shares.
import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './gateway-process.js';

export interface RedisServer {
  url: string;
  port: number;
  pid: number;
  /** SIGSTOP: the connections stay open, nothing is answered (a hung Redis). */
  freeze(): void;
  /** SIGCONT: answers again, backlog first. */
  thaw(): void;
  /** SIGKILL: connections refused from now on. */
  kill(): Promise<void>;
  /** Thaws and stops it, whatever state it is in. */
  stop(): Promise<void>;
}

/** Starts `redis-server` on a free port (no persistence) and waits until it answers PING. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid;
  if (pid === undefined) throw new Error('redis-server did not start (is it installed?)');
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    // Refused while the server starts: the loop retries; the event must not go unhandled.
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`redis-server on ${port} did not answer: ${String(error)}\n${output}`, {
          cause: error,
        });
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      probe.disconnect();
    }
  }
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    url,
    port,
    pid,
    freeze: () => process.kill(pid, 'SIGSTOP'),
    thaw: () => process.kill(pid, 'SIGCONT'),
    async kill() {
      if (!alive()) return;
      process.kill(pid, 'SIGKILL');
      await exited;
    },
    async stop() {
      if (!alive()) return;
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
      await exited;
    },
  };
}
