import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { type GatewayFleet, sleep } from './support/fleet.js';
import { type GatewayAnswer, meetingIdOf } from './support/gateway-client.js';
import { bodyOf, freePort, json } from './support/gateway-process.js';
import { addReplicas, call, createMeeting, startTokenFleet } from './support/token-fleet.js';

/** A private Redis server this file may stop and start (the shared one serves other tests). */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const client = new Redis(`redis://127.0.0.1:${port}`, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  for (let i = 0; i < 50; i++) {
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return child;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`redis-server on port ${port} did not start`);
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe('ZoomTokenService under failure (3 replicas)', () => {
  describe('lease holder killed and app refused', () => {
    let fleet: GatewayFleet;
    let redis: Redis;

    beforeAll(async () => {
      fleet = await startTokenFleet(3);
      redis = new Redis(fleet.env.REDIS_URL);
    });

    afterAll(async () => {
      redis?.disconnect();
      await fleet?.close();
    });

    it('serves the waiting requests of the others within 15 s when the lease holder is SIGKILLed mid-mint', async () => {
      fleet.simulator.control.setTokenLatency(3_000);
      const [a, b, c] = fleet.replicas;
      const pending = [a, b, c].flatMap((replica) =>
        Array.from({ length: 5 }, () =>
          createMeeting(replica).then((r) => ({ ...r, replica, doneAt: Date.now() })),
        ),
      );
      const leaseKey = `${fleet.env.REDIS_KEY_PREFIX}lease:zoom-token-mint`;
      let holder: string | null = null;
      for (let i = 0; i < 40 && !holder; i++) {
        holder = await redis.get(leaseKey);
        if (!holder) await sleep(50);
      }
      expect(holder).not.toBeNull();
      const victim = fleet.replicas.find((r) => holder?.startsWith(`${fleet.replicaId(r)}:`))!;
      expect(victim).toBeDefined();
      await sleep(1_200);
      await victim.kill('SIGKILL');
      const killedAt = Date.now();
      const results = await Promise.all(pending);
      fleet.simulator.control.setTokenLatency(0);
      const survivors = results.filter((r) => r.replica !== victim);
      expect(survivors.map((r) => r.status)).toEqual(survivors.map(() => 201));
      for (const r of survivors) expect(r.doneAt - killedAt).toBeLessThan(15_000);
      expect(fleet.simulator.control.stats().tokenRequests).toBeLessThanOrEqual(2);
      console.info(
        `lease holder killed: survivors served ${Math.max(...survivors.map((r) => r.doneAt - killedAt))} ms after the kill`,
      );
      // Back to three replicas for the next test.
      fleet.replicas.splice(fleet.replicas.indexOf(victim), 1);
      await addReplicas(fleet);
    });

    it('stops hammering Zoom within 30 s when the app is refused, fails fast with a clear error, and /health says why', async () => {
      const meeting = await createMeeting(fleet.replicas[0]);
      expect(meeting.status).toBe(201);
      const id = meetingIdOf(meeting);
      // Warm every replica so that each holds the token.
      await Promise.all(fleet.replicas.map((r) => call(r, 'GET', `/v2/meetings/${id}`)));
      const before = fleet.simulator.control.stats();
      fleet.simulator.control.setRefused(true);
      const results: GatewayAnswer[] = [];
      const started = Date.now();
      await Promise.all(
        fleet.replicas.flatMap((replica) =>
          Array.from({ length: 2 }, async () => {
            while (Date.now() - started < 30_000) {
              results.push(await call(replica, 'GET', `/v2/meetings/${id}`));
              await sleep(100);
            }
          }),
        ),
      );
      const after = fleet.simulator.control.stats();
      const tokenRequests = after.tokenRequests - before.tokenRequests;
      const apiCalls = after.apiCalls - before.apiCalls;
      console.info(
        `refused app: ${results.length} requests, ${tokenRequests} token requests, ${apiCalls} API calls in 30 s ` +
          `(refused token uses ${after.refusedTokenUses - before.refusedTokenUses}, ${JSON.stringify(after.apiCallsByRoute)})`,
      );
      if (process.env.TOKEN_E2E_DEBUG) {
        for (const r of fleet.replicas) {
          console.info(
            r
              .output()
              .split('\n')
              .filter((l) => /ZoomToken|ZoomAuthState/.test(l))
              .map((l) => l.slice(0, 260))
              .join('\n'),
          );
        }
      }
      expect(tokenRequests).toBeLessThanOrEqual(6);
      expect(apiCalls).toBeLessThanOrEqual(12);
      expect(results.length).toBeGreaterThan(100);
      for (const r of results) {
        expect(r.status).toBe(503);
        expect(r.json).toMatchObject({ code: 'zoom_auth_rejected' });
      }
      const { message } = bodyOf(z.looseObject({ message: z.string() }), results[0].json);
      expect(message).toMatch(/refuses even freshly minted/);
      expect(message).toMatch(/owner/);
      expect(message).toMatch(/rotat/);
      const health = await fetch(`${fleet.replicas[1].url}/health`);
      const body = await json(
        health,
        z.looseObject({
          details: z
            .looseObject({ zoom: z.looseObject({ reason: z.string().optional() }).optional() })
            .optional(),
        }),
      );
      expect(health.status).toBe(503);
      expect(body.details?.zoom).toMatchObject({ state: 'rejected' });
      expect(body.details?.zoom?.reason).toMatch(/refuses even freshly minted/);
      fleet.simulator.control.setRefused(false);
    });
  });

  describe('Redis stopped under load', () => {
    let fleet: GatewayFleet;
    let redisServer: ChildProcess;
    let port: number;

    beforeAll(async () => {
      port = await freePort();
      redisServer = await startRedis(port);
      fleet = await startTokenFleet(3, { redisUrl: `redis://127.0.0.1:${port}` });
    });

    afterAll(async () => {
      await fleet?.close();
      if (redisServer) await stopRedis(redisServer);
    });

    it('keeps at least 99% of requests succeeding while Redis is down for 10 s, and coordinates again after', async () => {
      const meeting = await createMeeting(fleet.replicas[0]);
      const id = meetingIdOf(meeting);
      await Promise.all(fleet.replicas.map((r) => call(r, 'GET', `/v2/meetings/${id}`)));
      const statuses: number[] = [];
      // Aborted once the outage and recovery are over: the load loops then finish.
      const loadDone = new AbortController();
      const load = Promise.all(
        fleet.replicas.flatMap((replica) =>
          Array.from({ length: 2 }, async () => {
            while (!loadDone.signal.aborted) {
              statuses.push(
                (await call(replica, 'GET', `/v2/meetings/${id}`, { timeoutMs: 10_000 })).status,
              );
              await sleep(50);
            }
          }),
        ),
      );
      await sleep(3_000);
      await stopRedis(redisServer);
      await sleep(10_000);
      redisServer = await startRedis(port);
      await sleep(5_000);
      loadDone.abort();
      await load;
      const ok = statuses.filter((s) => s === 200).length;
      console.info(`redis outage: ${ok}/${statuses.length} requests succeeded`);
      expect(statuses.length).toBeGreaterThan(300);
      expect(ok / statuses.length).toBeGreaterThanOrEqual(0.99);
      // Coordination is back: an invalidated token is replaced by one mint for the whole fleet.
      const before = fleet.simulator.control.stats().tokensMinted;
      fleet.simulator.control.invalidateLiveTokens();
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          call(fleet.replicas[i % 3], 'GET', `/v2/meetings/${id}`),
        ),
      );
      expect(results.filter((r) => r.status !== 200)).toEqual([]);
      expect(fleet.simulator.control.stats().tokensMinted - before).toBe(1);
    });
  });
});
