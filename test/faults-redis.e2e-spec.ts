// Fault injection on real processes: the fleet's Redis frozen (SIGSTOP: connections open,
// nothing answered) and killed. Two built replicas share a private redis-server, so freezing it
// touches no other test. Calls must keep being served at close to normal latency: a hung Redis
// costs at most one command timeout per replica (the breaker), not one per call.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { eventually, GatewayFleet, zoomTime } from './support/fleet.js';
import { type GatewayAnswer, gatewayClient } from './support/gateway-client.js';
import { bodyOf, type GatewayProcess } from './support/gateway-process.js';
import { type RedisServer, startRedisServer } from './support/redis-server.js';

const APP_KEY = `app-${randomBytes(12).toString('hex')}`;
const ADMIN_KEY = `admin-${randomBytes(12).toString('hex')}`;

const Diagnostics = z.looseObject({
  warnings: z.array(z.string()),
  token: z.looseObject({ present: z.boolean(), store: z.string().optional() }).nullable(),
  fleet: z.looseObject({
    redisBreaker: z
      .looseObject({ state: z.enum(['open', 'closed']), opens: z.number() })
      .nullable(),
  }),
});
const Ready = z.looseObject({
  status: z.string(),
  details: z.looseObject({ redis: z.looseObject({ status: z.string() }) }),
});

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** A replica's zoom_gateway_dependency_up for Redis, as scraped. */
async function redisUp(replica: GatewayProcess): Promise<string | undefined> {
  const text = await (await fetch(`${replica.url}/metrics`)).text();
  return /^zoom_gateway_dependency_up\{dependency="redis"\} (\d)/m.exec(text)?.[1];
}

describe('the fleet when its Redis hangs or dies', () => {
  const simulator = new ZoomSimulator({ rateLimits: false });
  const call = gatewayClient({ key: APP_KEY, timeoutMs: 30_000 });
  let redis: RedisServer;
  let fleet: GatewayFleet;
  let replicas: GatewayProcess[];

  beforeAll(async () => {
    redis = await startRedisServer();
    fleet = await GatewayFleet.open({
      simulator,
      apiKeys: { app: APP_KEY },
      adminKeys: { ops: ADMIN_KEY },
      redisUrl: redis.url,
      logLevel: 'warn',
    });
    replicas = await fleet.start(['redis-a', 'redis-b']);
  });

  afterAll(async () => {
    await redis?.stop();
    await fleet?.close();
  });

  /** One call of the mix a caller makes: reads and creates, alternating replicas; timed. */
  async function timedCall(i: number): Promise<{ answer: GatewayAnswer; ms: number }> {
    const replica = replicas[i % replicas.length];
    const started = performance.now();
    const answer =
      i % 2 === 0
        ? await call(replica, 'GET', '/v2/users/me/meetings')
        : await call(replica, 'POST', '/v2/users/me/meetings', {
            body: {
              topic: `fault ${i}`,
              type: 2,
              duration: 30,
              start_time: zoomTime(Date.now() + 86_400_000),
            },
          });
    return { answer, ms: performance.now() - started };
  }

  async function diagnostics(replica: GatewayProcess) {
    const answer = await call(replica, 'GET', '/api/admin/zoom/diagnostics', { key: ADMIN_KEY });
    expect(answer.status).toBe(200);
    return bodyOf(Diagnostics, answer.json);
  }

  it('coordinates through Redis while it answers', async () => {
    for (let i = 0; i < 4; i++) expect((await timedCall(i)).answer.status).toBeLessThan(300);
    for (const replica of replicas) {
      await expect(diagnostics(replica)).resolves.toMatchObject({
        token: { present: true, store: 'redis' },
        fleet: { redisBreaker: { state: 'closed' } },
      });
      await expect(redisUp(replica)).resolves.toBe('1');
    }
  });

  it('serves 20 sequential calls with Redis frozen, median under 300 ms, then returns to Redis when it thaws', async () => {
    redis.freeze();
    const timings: number[] = [];
    const statuses: number[] = [];
    try {
      for (let i = 0; i < 20; i++) {
        const { answer, ms } = await timedCall(i);
        statuses.push(answer.status);
        timings.push(Math.round(ms));
      }
      const ready = await call(replicas[0], 'GET', '/health/ready');
      const readyBody = bodyOf(Ready, ready.json);
      const opened = await diagnostics(replicas[1]);
      const metricWhileFrozen = await redisUp(replicas[0]);
      console.log(
        `[faults-redis] frozen Redis: 20 calls, median ${median(timings)} ms, max ${Math.max(...timings)} ms, ` +
          `total ${timings.reduce((a, b) => a + b, 0)} ms; each: ${timings.join(', ')}`,
      );
      expect(
        statuses.every((s) => s >= 200 && s < 300),
        statuses.join(','),
      ).toBe(true);
      expect(median(timings)).toBeLessThan(300);
      // Ready all along (Redis is not required to serve), saying Redis is degraded.
      expect(ready.status).toBe(200);
      expect(readyBody.details.redis.status).toBe('degraded');
      expect(ready.text).not.toContain(String(redis.port));
      expect(opened.fleet.redisBreaker?.state).toBe('open');
      expect(opened.warnings.join(' ')).toMatch(/coordinates in-process/);
      expect(metricWhileFrozen).toBe('0');
    } finally {
      redis.thaw();
    }
    const thawedAt = Date.now();
    for (const replica of replicas) {
      const back = await eventually(
        () => diagnostics(replica),
        (d) => d.fleet.redisBreaker?.state === 'closed' && d.token?.store === 'redis',
        10_000,
      );
      expect(back).toMatchObject({
        token: { store: 'redis' },
        fleet: { redisBreaker: { state: 'closed' } },
      });
      await expect(redisUp(replica)).resolves.toBe('1');
    }
    console.log(
      `[faults-redis] back on Redis coordination ${Date.now() - thawedAt} ms after SIGCONT`,
    );
    for (let i = 0; i < 4; i++) expect((await timedCall(i)).answer.status).toBeLessThan(300);
  });

  it('keeps serving when Redis is killed', async () => {
    await redis.kill();
    const timings: number[] = [];
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const { answer, ms } = await timedCall(i);
      statuses.push(answer.status);
      timings.push(Math.round(ms));
    }
    console.log(
      `[faults-redis] killed Redis: 10 calls, median ${median(timings)} ms, max ${Math.max(...timings)} ms`,
    );
    expect(
      statuses.every((s) => s >= 200 && s < 300),
      statuses.join(','),
    ).toBe(true);
    expect(median(timings)).toBeLessThan(300);
    await expect(redisUp(replicas[0])).resolves.toBe('0');
  });
});
