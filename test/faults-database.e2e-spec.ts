import { POSTGRES_ADMIN_URL } from './support/services.js';
import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { createScheduledMeeting, fleetEnv, sleep } from './support/fleet.js';
import { type GatewayAnswer, gatewayClient } from './support/gateway-client.js';
import { type GatewayProcess, startGateway } from './support/gateway-process.js';
import { createPostgresDatabase, createRedisNamespace } from './support/services.js';
import { TcpProxy } from './support/tcp-proxy.js';

// PostgreSQL frozen (a TCP proxy stops forwarding, connections open) and down (the proxy cuts
// every connection and refuses new ones), under one built gateway. Every call that needs the
// database answers 503 database_unavailable with Retry-After within its deadline (5 s query,
// 3 s acquire), readiness names the database without connection details, and the gateway
// recovers by itself when PostgreSQL comes back.

const APP_KEY = 'app-key-0123456789abcdef';
/** The gateway's deadlines (DATABASE_QUERY_TIMEOUT_MS 5 s, DATABASE_CONNECT_TIMEOUT_MS 3 s) plus slack. */
const CALL_DEADLINE_MS = 9_000;

interface Timed {
  answer: GatewayAnswer;
  ms: number;
}

describe('PostgreSQL frozen and down (fault injection, real processes)', () => {
  const simulator = new ZoomSimulator();
  const call = gatewayClient({ key: APP_KEY, timeoutMs: 30_000, unanswered: 'status 0' });
  const figures: Record<string, number | string> = {};
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let redis: Awaited<ReturnType<typeof createRedisNamespace>>;
  let proxy: TcpProxy;
  let gateway: GatewayProcess;
  let meetingId: string;

  const timed = async (method: string, path: string, body?: unknown): Promise<Timed> => {
    const started = Date.now();
    const answer = await call(gateway, method, path, body === undefined ? {} : { body });
    return { answer, ms: Date.now() - started };
  };

  /** Every call that needs the database: 503 database_unavailable with Retry-After, within its deadline. */
  const expectUnavailable = async (phase: string) => {
    const before = simulator.control.stats().meetings;
    const calls: Array<[string, string, unknown?]> = [
      ['GET', '/api/meetings'],
      ['GET', `/api/meetings/${meetingId}`],
      ['POST', '/v2/users/me/meetings', { topic: `${phase} create`, type: 2, duration: 30 }],
      ['PATCH', `/v2/meetings/${meetingId}`, { topic: `${phase} rename` }],
    ];
    const times: number[] = [];
    for (const [method, path, body] of calls) {
      const { answer, ms } = await timed(method, path, body);
      times.push(ms);
      expect(answer.status, `${method} ${path}: ${answer.text}`).toBe(503);
      expect(answer.json).toMatchObject({
        code: expect.stringMatching(/database_unavailable|^\d+$/),
      });
      expect(answer.text).toContain('database');
      expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(ms).toBeLessThan(CALL_DEADLINE_MS);
    }
    // Nothing reached Zoom: the create's record comes first, the PATCH reads its record first.
    expect(simulator.control.stats().meetings).toBe(before);
    const ready = await timed('GET', '/health/ready');
    expect(ready.answer.status).toBe(503);
    expect(ready.answer.text).toContain('database');
    expect(ready.answer.text).not.toContain(String(proxy.port));
    expect(ready.answer.text).not.toContain('127.0.0.1');
    expect(ready.answer.text).not.toContain(database.name);
    figures[`${phase}: slowest call (ms)`] = Math.max(...times);
    figures[`${phase}: median call (ms)`] = [...times].sort((a, b) => a - b)[
      Math.floor(times.length / 2)
    ];
    figures[`${phase}: /health/ready (ms)`] = ready.ms;
  };

  /** Polls until a read and a create succeed again; resolves with how long that took. */
  const recovery = async (): Promise<number> => {
    const started = Date.now();
    for (;;) {
      const list = await call(gateway, 'GET', '/api/meetings?limit=1');
      if (list.status === 200) break;
      if (Date.now() - started > 60_000)
        throw new Error(`not recovered: ${list.status} ${list.text}`);
      await sleep(200);
    }
    const recovered = Date.now() - started;
    await createScheduledMeeting(call, gateway, 'after recovery');
    const ready = await call(gateway, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    return recovered;
  };

  beforeAll(async () => {
    await simulator.listen(0);
    database = await createPostgresDatabase();
    redis = await createRedisNamespace();
    const target = new URL(POSTGRES_ADMIN_URL);
    proxy = new TcpProxy(Number(target.port || 5432), target.hostname);
    await proxy.listen();
    const proxied = new URL(database.url);
    proxied.port = String(proxy.port);
    const env = fleetEnv({
      simulator,
      database: { url: proxied.toString() },
      redis,
      apiKeys: { app: APP_KEY },
      logLevel: 'warn',
    });
    gateway = await startGateway(env, { timeoutMs: 60_000 });
    meetingId = await createScheduledMeeting(call, gateway, 'before the fault');
  });

  afterAll(async () => {
    console.log(`PostgreSQL fault figures: ${JSON.stringify(figures, null, 2)}`);
    await gateway?.stop();
    await proxy?.close();
    await simulator.close();
    await redis?.cleanup();
    await database?.drop();
  });

  it('answers 503 database_unavailable within the deadlines while PostgreSQL is frozen, and recovers when it thaws', async () => {
    proxy.freeze();
    try {
      await expectUnavailable('frozen');
    } finally {
      proxy.thaw();
    }
    figures['frozen: recovered after thaw (ms)'] = await recovery();
  });

  it('answers 503 database_unavailable at once while PostgreSQL is down, and recovers when it is back', async () => {
    await proxy.down();
    try {
      await expectUnavailable('down');
    } finally {
      await proxy.up();
    }
    figures['down: recovered after restart (ms)'] = await recovery();
  });
});
