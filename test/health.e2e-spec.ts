import { ZoomSimulator } from '../src/zoom-simulator/index.js';
import { type GatewayProcess, startGateway } from './support/gateway-process.js';
import {
  createPostgresDatabase,
  createRedisNamespace,
  testEncryptionKey,
} from './support/services.js';

const SIM = {
  accountId: 'health-account',
  clientId: 'health-client',
  clientSecret: 'health-secret-5e6f7a8b',
};
const INTERVAL_S = 5;
const ADMIN_KEY = 'admin-key-0123456789abcdef';
const APP_KEY = 'app-key-0123456789abcdef';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- health bodies are checked field by field
type Json = any;

async function get(
  url: string,
  key?: string,
): Promise<{ status: number; body: Json; text: string }> {
  const response = await fetch(url, key ? { headers: { Authorization: `Bearer ${key}` } } : {});
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body, text };
}

/** Polls until every replica's /health answers `status`; resolves with the elapsed ms. */
async function untilEveryHealth(
  replicas: GatewayProcess[],
  status: number,
  deadlineMs: number,
): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < deadlineMs) {
    const answers = await Promise.all(replicas.map((r) => get(`${r.url}/health`)));
    if (answers.every((a) => a.status === status)) return Date.now() - started;
    await sleep(250);
  }
  const last = await Promise.all(replicas.map((r) => get(`${r.url}/health`)));
  throw new Error(
    `/health did not answer ${status} on every replica within ${deadlineMs} ms: ${last.map((a) => a.text).join('\n')}`,
  );
}

/** Strict Prometheus text format 0.0.4: every line a HELP, a TYPE or a sample of a declared family. */
function parsePrometheus(text: string): Map<string, { type: string; samples: string[] }> {
  const families = new Map<string, { type: string; samples: string[] }>();
  const name = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const label = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\n"])*"';
  const sample = new RegExp(
    `^(${name})(\\{(?:${label})(?:,${label})*,?\\})? (-?(?:\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?|\\.\\d+)|NaN|\\+Inf|-Inf)( -?\\d+)?$`,
    'i',
  );
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const help = new RegExp(`^# HELP (${name}) .*$`).exec(line);
    if (help) continue;
    const type = new RegExp(`^# TYPE (${name}) (counter|gauge|histogram|summary|untyped)$`).exec(
      line,
    );
    if (type) {
      families.set(type[1], { type: type[2], samples: [] });
      continue;
    }
    const match = sample.exec(line);
    if (!match) throw new Error(`not Prometheus text: ${JSON.stringify(line)}`);
    const family =
      families.get(match[1]) ??
      families.get(match[1].replace(/_(bucket|sum|count|total|created)$/, ''));
    if (!family) throw new Error(`sample of an undeclared metric: ${line}`);
    family.samples.push(line);
  }
  return families;
}

describe('health, scheduled validation, diagnostics and metrics', () => {
  const simulator = new ZoomSimulator({ ...SIM });
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let redis: Awaited<ReturnType<typeof createRedisNamespace>>;
  let replicas: GatewayProcess[] = [];

  beforeAll(async () => {
    await simulator.listen(0);
    database = await createPostgresDatabase();
    redis = await createRedisNamespace();
    const env = {
      DATABASE_URL: database.url,
      ENCRYPTION_KEY: testEncryptionKey(),
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: redis.prefix,
      ZOOM_ACCOUNT_ID: SIM.accountId,
      ZOOM_CLIENT_ID: SIM.clientId,
      ZOOM_CLIENT_SECRET: SIM.clientSecret,
      ZOOM_OAUTH_BASE_URL: simulator.baseUrl,
      ZOOM_API_BASE_URL: simulator.apiBaseUrl,
      ZOOM_AUTH_CHECK_INTERVAL: String(INTERVAL_S),
      API_KEYS: `app:${APP_KEY}`,
      ADMIN_API_KEYS: `ops:${ADMIN_KEY}`,
      LOG_LEVEL: 'warn',
    };
    replicas = await Promise.all([
      startGateway({ ...env, REPLICA_ID: 'replica-a' }),
      startGateway({ ...env, REPLICA_ID: 'replica-b' }),
    ]);
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await simulator.close();
    await redis?.cleanup();
    await database?.drop();
  });

  it('answers 300 health requests over three validation periods with one mint and one validation per period', async () => {
    const statsAtStart = simulator.control.stats();
    const paths = ['/health', '/health/ready', '/health/live'];
    const started = Date.now();
    let answered = 0;
    // 300 requests spread across both replicas and over three validation periods.
    for (let batch = 0; batch < 30; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => get(`${replicas[i % 2].url}${paths[i % 3]}`)),
      );
      for (const answer of answers) expect(answer.status).toBe(200);
      answered += answers.length;
      await sleep(Math.max(0, (3 * INTERVAL_S * 1000 + 1000) / 30 - 5));
    }
    const elapsed = Date.now() - started;
    expect(answered).toBe(300);
    expect(elapsed).toBeGreaterThanOrEqual(3 * INTERVAL_S * 1000);

    const stats = simulator.control.stats();
    // The first validation minted the fleet's one token; health never minted or called Zoom.
    expect(stats.tokensMinted).toBe(1);
    expect(stats.tokenRequests).toBe(1);
    const validations = stats.apiCallsByRoute['GET /v2/users/:userId']?.['200'] ?? 0;
    const periods = Math.floor((Date.now() - started) / (INTERVAL_S * 1000));
    expect(validations).toBeGreaterThanOrEqual(3);
    // One leader per period for the fleet, not one call per replica.
    expect(validations).toBeLessThanOrEqual(periods + 2);
    expect(stats.apiCalls - statsAtStart.apiCalls).toBeLessThanOrEqual(periods + 2);

    const health = await get(`${replicas[1].url}/health`);
    expect(health.body.status).toBe('ok');
    expect(health.body.details.database.status).toBe('up');
    expect(health.body.details.redis.status).toBe('up');
    expect(health.body.details.zoom).toMatchObject({ status: 'up', state: 'ok' });
    expect(Date.parse(health.body.details.zoom.lastSuccessAt)).toBeGreaterThan(started);
  });

  it('serves valid Prometheus text with the mint counter, the auth state and Zoom calls', async () => {
    const response = await fetch(`${replicas[0].url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const families = parsePrometheus(await response.text());
    const mints = families.get('zoom_token_mints_total');
    expect(mints?.type).toBe('counter');
    const minted = [...families.values()]
      .flatMap((f) => f.samples)
      .filter((s) => s.startsWith('zoom_token_mints_total{'));
    // The one mint happened on one of the two replicas; both declare the counter.
    const other = parsePrometheus(await (await fetch(`${replicas[1].url}/metrics`)).text());
    const mintedElsewhere = other.get('zoom_token_mints_total')?.samples ?? [];
    expect(
      [...minted, ...mintedElsewhere].some((s) => /outcome="ok"/.test(s) && s.endsWith(' 1')),
    ).toBe(true);
    expect(families.get('zoom_auth_state')?.samples).toContain('zoom_auth_state{state="ok"} 1');
    expect(families.get('zoom_auth_state')?.samples).toContain(
      'zoom_auth_state{state="rejected"} 0',
    );
    expect(families.get('http_request_duration_seconds')?.type).toBe('histogram');
    expect(families.get('process_cpu_user_seconds_total')).toBeDefined();
  });

  it('shows admins the state, mints against the budget, the credential, the token and both replicas', async () => {
    await expect(
      get(`${replicas[0].url}/api/admin/zoom/diagnostics`, APP_KEY),
    ).resolves.toMatchObject({ status: 403 });
    const { status, body, text } = await get(
      `${replicas[0].url}/api/admin/zoom/diagnostics`,
      ADMIN_KEY,
    );
    expect(status).toBe(200);
    expect(body.verdict).toMatchObject({ code: 'healthy', healthy: true });
    expect(body.auth.state).toBe('ok');
    expect(body.auth.history.length).toBeGreaterThanOrEqual(3);
    expect(body.mints).toMatchObject({
      budgetPerHour: 10,
      overBudget: false,
      lastHour: { minted: 1 },
    });
    expect(body.credential).toMatchObject({
      version: 1,
      clientId: SIM.clientId,
      accountId: SIM.accountId,
    });
    expect(body.credential.fingerprint).toMatch(/^[0-9a-f]{12}$/);
    expect(body.token).toMatchObject({
      present: true,
      ownerUserId: simulator.ownerUser.id,
      credentialVersion: 1,
    });
    expect(body.fleet.mode).toBe('fleet');
    expect(body.fleet.replicas.map((r: { replicaId: string }) => r.replicaId).sort()).toEqual([
      'replica-a',
      'replica-b',
    ]);
    expect(body.fleet.replicas.every((r: { redis: string }) => r.redis === 'ready')).toBe(true);
    expect(text).not.toContain(SIM.clientSecret);
    expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+/);
  });

  it('goes 503 on every replica within two periods when Zoom refuses the app, naming why, and 200 once it accepts again', async () => {
    simulator.control.setRefused(true);
    const down = await untilEveryHealth(replicas, 503, 2 * INTERVAL_S * 1000 + 3_000);
    expect(down).toBeLessThanOrEqual(2 * INTERVAL_S * 1000 + 3_000);
    for (const replica of replicas) {
      const { body } = await get(`${replica.url}/health`);
      expect(body.status).toBe('error');
      expect(body.details.zoom).toMatchObject({ status: 'down', state: 'rejected' });
      expect(body.details.zoom.reason).toMatch(/refuses even freshly minted access tokens/);
      expect(body.details.zoom.lastSuccessAt).toEqual(expect.any(String));
      expect(body.details.database.status).toBe('up');
    }
    const diagnostics = await get(`${replicas[1].url}/api/admin/zoom/diagnostics`, ADMIN_KEY);
    expect(diagnostics.body.verdict).toMatchObject({ code: 'app_refused', healthy: false });
    expect(diagnostics.body.verdict.nextStep).toMatch(/rotate/);
    await expect(get(`${replicas[0].url}/health/live`)).resolves.toMatchObject({ status: 200 });

    simulator.control.setRefused(false);
    await untilEveryHealth(replicas, 200, 4 * INTERVAL_S * 1000);
    const { body } = await get(`${replicas[0].url}/health`);
    expect(body.details.zoom.state).toBe('ok');
  });
});
