// Real Redis Sentinel and Redis Cluster deployments for one test file: redis-server processes
// on free ports in a temporary directory, no mocks. A helper that cannot start them throws, so
// the test fails (never skips).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { z } from 'zod';

const run = promisify(execFile);

export interface RedisProcess {
  port: number;
  alive(): boolean;
  /** SIGKILL, and waits for the exit. */
  kill(): Promise<void>;
}

/** A port that is free, and (for a cluster node) whose bus port, port + 10000, is free too. */
async function freePort(bus = false): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 25_000);
    if ((await portFree(port)) && (!bus || (await portFree(port + 10_000)))) return port;
  }
  throw new Error('no free port pair found for redis-server');
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function spawnRedis(args: string[], port: number, dir: string): RedisProcess {
  const child: ChildProcess = spawn('redis-server', args, {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', () => undefined);
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    port,
    alive,
    async kill() {
      if (!alive()) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** One command on a fresh connection to 127.0.0.1:port (no retries). */
export async function ask(port: number, ...command: string[]): Promise<unknown> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const [name, ...args] = command;
    return await client.call(name ?? 'PING', ...args);
  } finally {
    client.disconnect();
  }
}

/** Polls `check` until it returns true, or throws naming `what` after `timeoutMs`. */
export async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not within ${timeoutMs} ms${last instanceof Error ? ` (${last.message})` : ''}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const serverArgs = (port: number) => [
  '--port',
  String(port),
  '--bind',
  '127.0.0.1',
  '--save',
  '',
  '--appendonly',
  'no',
];

export interface SentinelSet {
  name: string;
  master: RedisProcess;
  replica: RedisProcess;
  sentinels: RedisProcess[];
  /** REDIS_SENTINELS for the gateway. */
  sentinelList: string;
  /** The port of the master the sentinels name now. */
  masterPort(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A master, one replica and three sentinels (quorum 2) with a 1 s down-after: a killed master is
 * replaced within a few seconds. Resolves once the replica is in sync and every sentinel knows
 * the replica and the other two sentinels.
 */
export async function startSentinelSet(): Promise<SentinelSet> {
  const dir = mkdtempSync(join(tmpdir(), 'zg-sentinel-'));
  const name = 'mymaster';
  const started: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(started.map((p) => p.kill()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const masterPort = await freePort();
    const master = spawnRedis(serverArgs(masterPort), masterPort, dir);
    started.push(master);
    await until('the Redis master answers', async () => (await ask(masterPort)) === 'PONG');
    const replicaPort = await freePort();
    const replica = spawnRedis(
      [...serverArgs(replicaPort), '--replicaof', '127.0.0.1', String(masterPort)],
      replicaPort,
      dir,
    );
    started.push(replica);
    await until('the Redis replica is in sync', async () =>
      String(await ask(replicaPort, 'INFO', 'replication')).includes('master_link_status:up'),
    );
    const sentinels: RedisProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const conf = join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${name} 1000`,
          `sentinel failover-timeout ${name} 5000`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      );
      const sentinel = spawnRedis([conf, '--sentinel'], port, dir);
      started.push(sentinel);
      sentinels.push(sentinel);
    }
    for (const sentinel of sentinels) {
      await until('every sentinel knows the replica and the other sentinels', async () => {
        const others = await ask(sentinel.port, 'SENTINEL', 'SENTINELS', name);
        const replicas = await ask(sentinel.port, 'SENTINEL', 'REPLICAS', name);
        return (
          Array.isArray(others) &&
          others.length === 2 &&
          Array.isArray(replicas) &&
          replicas.length === 1
        );
      });
    }
    const set: SentinelSet = {
      name,
      master,
      replica,
      sentinels,
      sentinelList: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
      async masterPort() {
        for (const sentinel of sentinels) {
          if (!sentinel.alive()) continue;
          const address = await ask(sentinel.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name);
          if (Array.isArray(address)) return Number(address[1]);
        }
        throw new Error('no sentinel answered');
      },
      stop,
    };
    return set;
  } catch (error) {
    await stop();
    throw error;
  }
}

/** CLUSTER SLOTS: [first slot, last slot, [master host, master port, ...], replicas...]. */
const ClusterSlots = z.array(
  z
    .tuple([z.number(), z.number(), z.tuple([z.string(), z.number()]).rest(z.unknown())])
    .rest(z.unknown()),
);

export interface RedisClusterSet {
  nodes: RedisProcess[];
  /** REDIS_CLUSTER_NODES for the gateway. */
  nodeList: string;
  /** The master that serves `key`'s slot now, per the nodes that are alive. */
  masterOf(key: string): Promise<RedisProcess>;
  stop(): Promise<void>;
}

/**
 * Three masters and three replicas (`--cluster-replicas 1`, 1 s node timeout), created with
 * `redis-cli --cluster create`; resolves once every node says cluster_state:ok.
 */
export async function startRedisCluster(): Promise<RedisClusterSet> {
  const dir = mkdtempSync(join(tmpdir(), 'zg-cluster-'));
  const nodes: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((p) => p.kill()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 6; i++) {
      const port = await freePort(true);
      const node = spawnRedis(
        [
          ...serverArgs(port),
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          '1000',
          '--dir',
          dir,
        ],
        port,
        dir,
      );
      nodes.push(node);
      await until(`cluster node ${i + 1} answers`, async () => (await ask(port)) === 'PONG');
    }
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    await run(
      'redis-cli',
      ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes'],
      {
        timeout: 30_000,
      },
    );
    for (const node of nodes) {
      await until('the cluster is ok on every node', async () =>
        String(await ask(node.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'),
      );
    }
    return {
      nodes,
      nodeList: addresses.join(','),
      async masterOf(key: string) {
        const live = nodes.find((n) => n.alive());
        if (!live) throw new Error('no cluster node alive');
        const slot = Number(await ask(live.port, 'CLUSTER', 'KEYSLOT', key));
        const shards = ClusterSlots.parse(await ask(live.port, 'CLUSTER', 'SLOTS'));
        for (const [from, to, [, port]] of shards) {
          if (slot >= from && slot <= to) {
            const owner = nodes.find((n) => n.port === port);
            if (owner) return owner;
          }
        }
        throw new Error(`no master serves slot ${slot}`);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
