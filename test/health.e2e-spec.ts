import { z } from 'zod';
import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { GatewayFleet, sleep } from './support/fleet.js';
import { gatewayClient } from './support/gateway-client.js';
import { bodyOf, type GatewayProcess } from './support/gateway-process.js';

const SIM = {
  accountId: 'health-account',
  clientId: 'health-client',
  clientSecret: 'health-secret-5e6f7a8b',
};
const INTERVAL_S = 5;
const ADMIN_KEY = 'admin-key-0123456789abcdef';
const APP_KEY = 'app-key-0123456789abcdef';

/** Health is public: calls carry no key unless they name one. */
const call = gatewayClient();
const get = (replica: GatewayProcess, path: string, key?: string) =>
  call(replica, 'GET', path, { key });

/** The fields of /health these tests read (the matchers check their values). */
const Health = z.looseObject({
  status: z.unknown(),
  details: z.looseObject({
    database: z.looseObject({ status: z.unknown() }),
    redis: z.looseObject({ status: z.unknown() }),
    zoom: z.looseObject({ state: z.unknown(), reason: z.unknown(), lastSuccessAt: z.unknown() }),
  }),
});
const Verdict = z.looseObject({ nextStep: z.unknown() });
const Diagnostics = z.looseObject({
  verdict: Verdict,
  auth: z.looseObject({ state: z.unknown(), history: z.array(z.unknown()) }),
  mints: z.unknown(),
  credential: z.looseObject({ fingerprint: z.unknown() }),
  token: z.unknown(),
  fleet: z.looseObject({
    mode: z.unknown(),
    replicas: z.array(z.looseObject({ replicaId: z.string(), redis: z.unknown() })),
  }),
});

/** Polls until every replica's /health answers `status`; resolves with the elapsed ms. */
async function untilEveryHealth(
  replicas: GatewayProcess[],
  status: number,
  deadlineMs: number,
): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < deadlineMs) {
    const answers = await Promise.all(replicas.map((r) => get(r, '/health')));
    if (answers.every((a) => a.status === status)) return Date.now() - started;
    await sleep(250);
  }
  const last = await Promise.all(replicas.map((r) => get(r, '/health')));
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
  let fleet: GatewayFleet;
  let replicas: GatewayProcess[] = [];

  beforeAll(async () => {
    fleet = await GatewayFleet.open({
      simulator,
      credentials: SIM,
      apiKeys: { app: APP_KEY },
      adminKeys: { ops: ADMIN_KEY },
      logLevel: 'warn',
      extra: { ZOOM_AUTH_CHECK_INTERVAL: String(INTERVAL_S) },
    });
    replicas = await fleet.start(['replica-a', 'replica-b']);
  });

  afterAll(async () => {
    await fleet?.close();
  });

  it('answers 300 health requests over three validation periods with one mint and one validation per period', async () => {
    const statsAtStart = simulator.control.stats();
    const paths = ['/health', '/health/ready', '/health/live'];
    const started = Date.now();
    let answered = 0;
    // 300 requests spread across both replicas and over three validation periods.
    for (let batch = 0; batch < 30; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => get(replicas[i % 2], paths[i % 3])),
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

    const health = bodyOf(Health, (await get(replicas[1], '/health')).json);
    expect(health.status).toBe('ok');
    expect(health.details.database.status).toBe('up');
    expect(health.details.redis.status).toBe('up');
    expect(health.details.zoom).toMatchObject({ status: 'up', state: 'ok' });
    expect(Date.parse(String(health.details.zoom.lastSuccessAt))).toBeGreaterThan(started);
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
    await expect(get(replicas[0], '/api/admin/zoom/diagnostics', APP_KEY)).resolves.toMatchObject({
      status: 403,
    });
    const { status, json, text } = await get(replicas[0], '/api/admin/zoom/diagnostics', ADMIN_KEY);
    expect(status).toBe(200);
    const body = bodyOf(Diagnostics, json);
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
    expect(body.fleet.replicas.map((r) => r.replicaId).sort()).toEqual(['replica-a', 'replica-b']);
    expect(body.fleet.replicas.every((r) => r.redis === 'ready')).toBe(true);
    expect(text).not.toContain(SIM.clientSecret);
    expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+/);
  });

  it('goes 503 on every replica within two periods when Zoom refuses the app, naming why, and 200 once it accepts again', async () => {
    simulator.control.setRefused(true);
    const down = await untilEveryHealth(replicas, 503, 2 * INTERVAL_S * 1000 + 3_000);
    expect(down).toBeLessThanOrEqual(2 * INTERVAL_S * 1000 + 3_000);
    for (const replica of replicas) {
      const body = bodyOf(Health, (await get(replica, '/health')).json);
      expect(body.status).toBe('error');
      expect(body.details.zoom).toMatchObject({ status: 'down', state: 'rejected' });
      expect(body.details.zoom.reason).toMatch(/refuses even freshly minted access tokens/);
      expect(body.details.zoom.lastSuccessAt).toEqual(expect.any(String));
      expect(body.details.database.status).toBe('up');
    }
    const diagnostics = await get(replicas[1], '/api/admin/zoom/diagnostics', ADMIN_KEY);
    const { verdict } = bodyOf(z.looseObject({ verdict: Verdict }), diagnostics.json);
    expect(verdict).toMatchObject({ code: 'app_refused', healthy: false });
    expect(verdict.nextStep).toMatch(/rotate/);
    await expect(get(replicas[0], '/health/live')).resolves.toMatchObject({ status: 200 });

    simulator.control.setRefused(false);
    await untilEveryHealth(replicas, 200, 4 * INTERVAL_S * 1000);
    const body = bodyOf(Health, (await get(replicas[0], '/health')).json);
    expect(body.details.zoom.state).toBe('ok');
  });
});
