import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { z } from 'zod';
import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { GatewayFleet, pair, sleep } from './support/fleet.js';
import { type GatewayAnswer, gatewayClient, objectOf } from './support/gateway-client.js';
import { bodyOf, CLI, type GatewayProcess } from './support/gateway-process.js';

// Issue 15, key lifecycle at run time: two replicas sharing PostgreSQL and Redis. A key made on
// one works on the other, a revoked or expired one is refused on both, within 2 s (measured), a
// rotation's old key works through the overlap only, and every admin action is in the audit.

const APP_KEY = 'env-app-key-0123456789abcdef';
const OPS_KEY = 'ops-key-0123456789abcdef';
const FLEET_WIDE_MS = 2_000;

const call = gatewayClient({ key: OPS_KEY });
const run = promisify(execFile);

/** How long until `answer` satisfies `done` on the replica (polling every 25 ms), or the limit. */
async function timeUntil(
  read: () => Promise<GatewayAnswer>,
  done: (answer: GatewayAnswer) => boolean,
  limitMs = 5_000,
): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    if (done(await read())) return performance.now() - started;
    await sleep(25);
  }
  return Number.POSITIVE_INFINITY;
}

const AuditPage = z.object({
  events: z.array(
    z.looseObject({
      actor: z.string(),
      action: z.string(),
      target: z.string().nullable(),
      at: z.string(),
    }),
  ),
  nextCursor: z.string().nullable(),
});
const KeyList = z.object({ apiKeys: z.array(z.looseObject({ name: z.string() })) });

const records = (key: string, replica: GatewayProcess) =>
  call(replica, 'GET', '/api/meetings?limit=1', { key });
const refused = (a: GatewayAnswer) => a.status === 401;

const keyOf = (answer: GatewayAnswer): string => {
  const key = objectOf(answer).key;
  if (typeof key !== 'string') throw new Error(`no key in ${answer.text}`);
  return key;
};

describe('API key lifecycle (two replicas, PostgreSQL, Redis)', () => {
  const simulator = new ZoomSimulator({ plan: 'business' });
  let fleet: GatewayFleet;
  let one: GatewayProcess;
  let two: GatewayProcess;
  const measured: Record<string, number> = {};

  beforeAll(async () => {
    fleet = await GatewayFleet.open({
      simulator,
      apiKeys: { envapp: APP_KEY },
      adminKeys: { ops: OPS_KEY },
      logLevel: 'warn',
    });
    [one, two] = pair(await fleet.start(2));
  });

  afterAll(async () => {
    // eslint-disable-next-line no-console
    console.log(`propagation (ms): ${JSON.stringify(measured)}`);
    await fleet?.close();
  });

  it('makes a key on one replica that the other honours within 2 s, and revoked there, both refuse it within 2 s', async () => {
    const made = await call(one, 'POST', '/api/admin/api-keys', {
      body: { name: 'billing', grants: 'meetings=rw;users=r' },
    });
    expect(made.status).toBe(201);
    const key = keyOf(made);
    expect(objectOf(made)).toMatchObject({
      name: 'billing',
      grants: 'meetings=rw;users=r;ownership=own',
    });
    expect((await records(key, one)).status).toBe(200);
    measured.madeOnOneWorksOnTwo = await timeUntil(
      () => records(key, two),
      (a) => a.status === 200,
    );
    expect(measured.madeOnOneWorksOnTwo).toBeLessThan(FLEET_WIDE_MS);

    const revokedAt = performance.now();
    expect((await call(two, 'DELETE', '/api/admin/api-keys/billing')).status).toBe(204);
    const [onTwo, onOne] = await Promise.all([
      timeUntil(() => records(key, two), refused),
      timeUntil(() => records(key, one), refused),
    ]);
    measured.revokedOnTwoRefusedOnTwo = onTwo;
    measured.revokedOnTwoRefusedOnOne = onOne;
    expect(performance.now() - revokedAt).toBeLessThan(FLEET_WIDE_MS + 500);
    expect(onOne).toBeLessThan(FLEET_WIDE_MS);
    const answer = await records(key, one);
    expect(objectOf(answer)).toEqual({
      code: 'unauthorized',
      message: expect.stringMatching(/revoked/),
    });
  });

  it('lists names, grants, times and keys count, but never a key or its hash', async () => {
    const list = await call(two, 'GET', '/api/admin/api-keys');
    expect(list.status).toBe(200);
    expect(objectOf(list).apiKeys).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'billing',
          source: 'database',
          revokedAt: expect.any(String),
        }),
        expect.objectContaining({
          name: 'envapp',
          source: 'environment',
          grants: 'meetings=rw;ownership=own',
        }),
        expect.objectContaining({ name: 'ops', source: 'environment', admin: true }),
      ]),
    );
    expect(list.text).not.toMatch(/zgw_|[0-9a-f]{64}/);
    expect(list.text).not.toContain(OPS_KEY);
    expect(fleet.output()).not.toMatch(/zgw_[A-Za-z0-9_-]{20}/);
  });

  it('keeps the old key working through a rotation overlap, then refuses it', async () => {
    const old = keyOf(await call(one, 'POST', '/api/admin/api-keys', { body: { name: 'crm' } }));
    const rotated = await call(two, 'POST', '/api/admin/api-keys/crm/rotate', {
      body: { overlapSeconds: 2 },
    });
    expect(rotated.status).toBe(201);
    const fresh = keyOf(rotated);
    expect(objectOf(rotated).keys).toHaveLength(2);
    for (const replica of [one, two]) {
      expect((await records(old, replica)).status).toBe(200);
      expect((await records(fresh, replica)).status).toBe(200);
    }
    await sleep(2_100);
    for (const replica of [one, two]) {
      const answer = await records(old, replica);
      expect([answer.status, objectOf(answer).message]).toEqual([
        401,
        expect.stringMatching(/replaced by a rotation/),
      ]);
      expect((await records(fresh, replica)).status).toBe(200);
    }
  });

  it('refuses an expired key with 401 saying it expired', async () => {
    const expiresAt = Date.now() + 2_000;
    const key = keyOf(
      await call(one, 'POST', '/api/admin/api-keys', {
        body: { name: 'temp', expiresAt: new Date(expiresAt).toISOString() },
      }),
    );
    expect(
      await timeUntil(
        () => records(key, two),
        (a) => a.status === 200,
      ),
    ).toBeLessThan(FLEET_WIDE_MS);
    await sleep(Math.max(0, expiresAt - Date.now()) + 50);
    for (const replica of [one, two]) {
      const answer = await records(key, replica);
      expect([answer.status, objectOf(answer)]).toEqual([
        401,
        { code: 'unauthorized', message: expect.stringMatching(/expired at/) },
      ]);
    }
  });

  it('changes grants at run time, on every replica', async () => {
    const key = keyOf(await call(one, 'POST', '/api/admin/api-keys', { body: { name: 'narrow' } }));
    expect(
      await timeUntil(
        () => call(two, 'GET', '/v2/users/me', { key }),
        (a) => a.status === 403,
      ),
    ).toBeLessThan(FLEET_WIDE_MS);
    const patched = await call(two, 'PATCH', '/api/admin/api-keys/narrow', {
      body: { grants: 'meetings=rw;users=r' },
    });
    expect(objectOf(patched).grants).toBe('meetings=rw;users=r;ownership=own');
    measured.grantsChangedOnTwoOnOne = await timeUntil(
      () => call(one, 'GET', '/v2/users/me', { key }),
      (a) => a.status === 200,
    );
    expect(measured.grantsChangedOnTwoOnOne).toBeLessThan(FLEET_WIDE_MS);
  });

  it('answers bad input with a clear 4xx and a stable code, changing nothing', async () => {
    const cases: Array<[string, string, unknown, number, string]> = [
      ['POST', '/api/admin/api-keys', { name: 'bad name' }, 400, 'validation_failed'],
      [
        'POST',
        '/api/admin/api-keys',
        { name: 'g', grants: 'meetings=x' },
        400,
        'validation_failed',
      ],
      [
        'POST',
        '/api/admin/api-keys',
        { name: 'g', grants: ['meetings=r'] },
        400,
        'validation_failed',
      ],
      [
        'POST',
        '/api/admin/api-keys',
        { name: 'g', expiresAt: '2001-01-01T00:00:00Z' },
        400,
        'validation_failed',
      ],
      ['POST', '/api/admin/api-keys', { name: 'g', extra: true }, 400, 'validation_failed'],
      ['POST', '/api/admin/api-keys', [1, 2], 400, 'validation_failed'],
      ['POST', '/api/admin/api-keys', { name: 'crm' }, 409, 'conflict'],
      ['POST', '/api/admin/api-keys', { name: 'envapp' }, 409, 'conflict'],
      ['DELETE', '/api/admin/api-keys/envapp', undefined, 409, 'conflict'],
      ['DELETE', '/api/admin/api-keys/nobody', undefined, 404, 'not_found'],
      ['POST', '/api/admin/api-keys/crm/rotate', { overlapSeconds: -1 }, 400, 'validation_failed'],
      ['POST', '/api/admin/api-keys/billing/rotate', {}, 409, 'conflict'],
      ['PATCH', '/api/admin/api-keys/crm', {}, 400, 'validation_failed'],
      ['GET', '/api/admin/audit?limit=0', undefined, 400, 'validation_failed'],
      ['GET', '/api/admin/audit?action=nothing', undefined, 400, 'validation_failed'],
      ['GET', '/api/admin/audit?cursor=bm9wZQ', undefined, 400, 'validation_failed'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const answer = await call(one, method, path, { body });
      expect({ method, path, status: answer.status, code: objectOf(answer).code }).toEqual({
        method,
        path,
        status,
        code,
      });
    }
    const names = bodyOf(KeyList, (await call(one, 'GET', '/api/admin/api-keys')).json).apiKeys.map(
      (k) => k.name,
    );
    expect(names).not.toContain('g');
  });

  it('makes and revokes keys through the CLI, followed by the running fleet', async () => {
    const env = { PATH: process.env.PATH ?? '', ...fleet.env };
    const made = await run(
      process.execPath,
      [CLI, 'api-key', 'create', 'from-cli', '--grants', 'meetings=r'],
      { env },
    );
    const key = made.stdout.trim();
    expect(key).toMatch(/^zgw_/);
    expect(
      await timeUntil(
        () => records(key, two),
        (a) => a.status === 200,
      ),
    ).toBeLessThan(FLEET_WIDE_MS);
    const listed = await run(process.execPath, [CLI, 'api-key', 'list', '--json'], { env });
    expect(listed.stdout).toContain('"from-cli"');
    expect(listed.stdout).not.toContain(key);
    await run(process.execPath, [CLI, 'api-key', 'revoke', 'from-cli'], { env });
    measured.revokedByCliRefusedOnOne = await timeUntil(
      () => records(key, one),
      (a) => a.status === 401,
    );
    expect(measured.revokedByCliRefusedOnOne).toBeLessThan(FLEET_WIDE_MS);
    await expect(
      run(process.execPath, [CLI, 'api-key', 'create', 'bad name'], { env }),
    ).rejects.toMatchObject({ code: 64 });
  });

  it('lists every admin action of the test in the audit, newest first, by who did it', async () => {
    expect((await call(one, 'POST', '/api/admin/reconcile')).status).toBe(200);
    const rotation = await call(two, 'POST', '/api/admin/zoom/credentials', {
      body: { clientSecret: 'not-the-right-secret-at-all' },
    });
    expect(rotation.status).toBe(422);
    const events: z.infer<typeof AuditPage>['events'] = [];
    let cursor: string | null = null;
    do {
      const answer = await call(
        two,
        'GET',
        `/api/admin/audit?limit=5${cursor ? `&cursor=${cursor}` : ''}`,
      );
      const page = bodyOf(AuditPage, answer.json);
      events.push(...page.events);
      cursor = page.nextCursor;
    } while (cursor);
    const summary = events.map((e) => `${e.actor} ${e.action} ${String(e.target)}`);
    expect(summary).toEqual(
      expect.arrayContaining([
        'ops api_key.created billing',
        'ops api_key.revoked billing',
        'ops api_key.created crm',
        'ops api_key.rotated crm',
        'ops api_key.created temp',
        'ops api_key.updated narrow',
        expect.stringMatching(/^cli:\S+ api_key.created from-cli$/),
        expect.stringMatching(/^cli:\S+ api_key.revoked from-cli$/),
        'ops meetings.reconciled /api/admin/reconcile',
        expect.stringMatching(/^ops zoom_credentials.rotation_refused credential version \d+$/),
      ]),
    );
    const times = events.map((e) => e.at);
    expect([...times].sort().toReversed()).toEqual(times);
    const revokes = await call(one, 'GET', '/api/admin/audit?action=api_key.revoked');
    expect(bodyOf(AuditPage, revokes.json).events).toHaveLength(2);
    expect(JSON.stringify(events)).not.toMatch(/zgw_|not-the-right-secret/);
  });
});
