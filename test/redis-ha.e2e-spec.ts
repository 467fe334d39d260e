// Redis that fails over under load, on real processes: a Sentinel set (master, replica, three
// sentinels) and a Redis Cluster (three masters, three replicas). Three built replicas serve
// steady reads and creates; the master holding the gateway's keys is SIGKILLed. Every caller
// gets what Zoom would have given (2xx), the fleet mints at most one extra token, health says
// "degraded" meanwhile, and the gateway's state lives on the promoted master afterwards.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { GatewayFleet, sleep, zoomTime } from './support/fleet.js';
import { gatewayClient } from './support/gateway-client.js';
import { bodyOf, type GatewayProcess } from './support/gateway-process.js';
import {
  ask,
  type RedisClusterSet,
  type SentinelSet,
  startRedisCluster,
  startSentinelSet,
  until,
} from './support/redis-ha.js';

const APP_KEY = `app-${randomBytes(12).toString('hex')}`;
/** Callers, each sending its next call as soon as the last is answered. */
const WORKERS = 6;

const Ready = z.looseObject({
  details: z.looseObject({ redis: z.looseObject({ status: z.string() }) }),
});

interface LoadResult {
  statuses: Map<number, number>;
  failures: string[];
  calls: number;
}

/** Reads and creates spread over the replicas until `stop()` is called. */
function steadyLoad(replicas: GatewayProcess[]) {
  const call = gatewayClient({ key: APP_KEY, timeoutMs: 30_000, unanswered: 'status 0' });
  const result: LoadResult = { statuses: new Map(), failures: [], calls: 0 };
  const state = { running: true };
  const worker = async (w: number) => {
    for (let i = 0; state.running; i++) {
      const replica = replicas[(w + i) % replicas.length];
      if (!replica) break;
      const answer =
        i % 2 === 0
          ? await call(replica, 'GET', '/v2/users/me/meetings')
          : await call(replica, 'POST', '/v2/users/me/meetings', {
              body: {
                topic: `failover ${w}-${i}`,
                type: 2,
                duration: 30,
                start_time: zoomTime(Date.now() + 86_400_000),
              },
            });
      result.calls++;
      result.statuses.set(answer.status, (result.statuses.get(answer.status) ?? 0) + 1);
      if (answer.status < 200 || answer.status >= 300)
        result.failures.push(`${answer.status} ${answer.text.slice(0, 200)}`);
    }
  };
  const done = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  return {
    result,
    async stop(): Promise<LoadResult> {
      state.running = false;
      await done;
      return result;
    },
  };
}

/** Polls a replica's readiness until stopped; resolves with every Redis status it reported. */
function watchHealth(replica: GatewayProcess) {
  const call = gatewayClient({ timeoutMs: 5_000, unanswered: 'status 0' });
  const seen = new Set<string>();
  const state = { running: true };
  const done = (async () => {
    while (state.running) {
      const answer = await call(replica, 'GET', '/health/ready');
      if (answer.status === 200) seen.add(bodyOf(Ready, answer.json).details.redis.status);
      else seen.add(`http ${answer.status}`);
      await sleep(200);
    }
  })();
  return {
    async stop(): Promise<string[]> {
      state.running = false;
      await done;
      return [...seen];
    },
  };
}

/**
 * Starts three replicas on `redisEnv`, loads them, runs `failover` (which kills a master and
 * resolves once a new one serves), keeps loading, then checks the outcome.
 */
async function runFailover(
  label: string,
  redisEnv: Record<string, string>,
  /** Kills the master holding keys under `prefix`; resolves once a new one serves them. */
  failover: (prefix: string) => Promise<void>,
  /** The port of the master serving keys under `prefix` now. */
  masterPort: (prefix: string) => Promise<number>,
): Promise<void> {
  const simulator = new ZoomSimulator({
    plan: 'business',
    scopedDailyLimits: { host_user: 100_000 },
  });
  const fleet = await GatewayFleet.open({
    simulator,
    apiKeys: { app: APP_KEY },
    logLevel: 'warn',
    // REDIS_URL cleared: the fleet reaches Redis through Sentinel or the Cluster instead.
    extra: {
      REDIS_URL: '',
      ...redisEnv,
      ZOOM_RATE_LIMIT_PLAN: 'business',
      // Zoom allows a host 100 creates a day; this stand-in (and so the gateway) far more.
      ZOOM_RATE_LIMITS: 'host_user=100000/day',
    },
  });
  try {
    const replicas = await fleet.start([`${label}-a`, `${label}-b`, `${label}-c`]);
    // The gateway's own prefix: in cluster mode the fleet's wrapped in a hash tag.
    const given = fleet.env.REDIS_KEY_PREFIX ?? '';
    const prefix = redisEnv.REDIS_CLUSTER_NODES ? `{${given.replace(/:+$/, '')}}:` : given;
    const load = steadyLoad(replicas);
    await sleep(2_000);
    const mintsBefore = simulator.control.stats().tokensMinted;
    // The governor books calls on the master (its script ran there, every key declared).
    const books = await ask(await masterPort(prefix), 'KEYS', `${prefix}ratelimit:window:*:by-app`);
    expect(Array.isArray(books) && books.length > 0, 'no governor book on the master').toBe(true);
    const health = watchHealth(replicas[0]);
    const killedAt = Date.now();
    await failover(prefix);
    const promotedAfter = Date.now() - killedAt;
    // Back on Redis: every replica says Redis is up again.
    const call = gatewayClient({ timeoutMs: 5_000 });
    for (const replica of replicas) {
      await until(`${label}: ${replica.url} back on Redis`, async () => {
        const ready = await call(replica, 'GET', '/health/ready');
        if (bodyOf(Ready, ready.json).details.redis.status === 'up') return true;
        // Thrown, not false: a timeout then quotes what the replica said last.
        throw new Error(ready.text.slice(0, 600));
      });
    }
    const backAfter = Date.now() - killedAt;
    await sleep(2_000);
    const result = await load.stop();
    const healthSeen = await health.stop();
    const stats = simulator.control.stats();
    console.log(
      `[redis-ha] ${label}: ${result.calls} calls ${JSON.stringify(Object.fromEntries(result.statuses))}, ` +
        `new master after ${promotedAfter} ms, fleet back on Redis after ${backAfter} ms, ` +
        `mints ${mintsBefore} before and ${stats.tokensMinted} in all, health saw ${healthSeen.join(', ')}`,
    );
    const kinds = [...new Map(result.failures.map((f) => [f.slice(0, 60), f])).values()];
    expect(result.failures, kinds.slice(0, 5).join('\n')).toEqual([]);
    expect(result.calls).toBeGreaterThan(50);
    expect(stats.tokensMinted).toBeLessThanOrEqual(mintsBefore + 1);
    expect(healthSeen).toContain('degraded');
    // The state is on the promoted master: the fleet's token, and heartbeats written since.
    const port = await masterPort(prefix);
    await until(
      `${label}: the token on the promoted master`,
      async () => {
        const token = await ask(port, 'EXISTS', `${prefix}zoom-token`);
        const beats = await ask(port, 'EXISTS', `${prefix}replicas:${label}-a`);
        return token === 1 && beats === 1;
      },
      15_000,
    );
  } finally {
    await fleet.close();
  }
}

describe('Redis fails over under load', () => {
  let sentinel: SentinelSet | undefined;
  let cluster: RedisClusterSet | undefined;

  afterAll(async () => {
    await sentinel?.stop();
    await cluster?.stop();
  });

  it('on Sentinel: the master SIGKILLed, no caller fails, state on the promoted replica', async () => {
    const set = await startSentinelSet();
    sentinel = set;
    const oldMaster = set.master.port;
    await runFailover(
      'sentinel',
      { REDIS_SENTINELS: set.sentinelList, REDIS_SENTINEL_NAME: set.name },
      async () => {
        await set.master.kill();
        await until(
          'the sentinels promote the replica',
          async () => (await set.masterPort()) !== oldMaster,
        );
        expect(await set.masterPort()).toBe(set.replica.port);
      },
      () => set.masterPort(),
    );
  });

  it('on a Redis Cluster: the master of the gateway slot SIGKILLed, no caller fails, state on its promoted replica', async () => {
    const set = await startRedisCluster();
    cluster = set;
    await runFailover(
      'cluster',
      { REDIS_CLUSTER_NODES: set.nodeList },
      async (prefix) => {
        // Every key carries the prefix's hash tag: one slot, one master.
        const master = await set.masterOf(prefix);
        await master.kill();
        await until(
          'the cluster promotes a replica',
          async () => (await set.masterOf(prefix)).port !== master.port,
        );
      },
      async (prefix) => (await set.masterOf(prefix)).port,
    );
  });
});
