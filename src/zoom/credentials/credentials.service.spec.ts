// Integration: the versioned credential store against real SQLite and PostgreSQL (and Redis for
// announcements), validating against the in-process Zoom simulator.
import { DomainError } from '../../common/errors/index.js';
import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import {
  createPostgresDatabase,
  createRedisNamespace,
  testEncryptionKey,
} from '../../../test/support/services.js';
import { CredentialsService } from './credentials.service.js';
import {
  ACCOUNT_ID,
  APP_ID,
  CLIENT_ID,
  logger,
  openOverlap,
  type Replica,
  sqliteUrl,
  startReplica,
} from './testing/credentials-harness.js';
import type { ZoomCredentials } from './zoom-credentials.js';

const INITIAL_SECRET = 'initial-secret-value-0001';

interface Database {
  url: string;
  drop(): Promise<void>;
}

const databases: Array<[string, () => Promise<Database>]> = [
  ['SQLite', async () => ({ url: sqliteUrl(), drop: async () => undefined })],
  ['PostgreSQL', () => createPostgresDatabase()],
];

async function rawRows(replica: Replica): Promise<string> {
  const credentials: unknown = await replica.dataSource.query(
    'SELECT * FROM zoom_credentials ORDER BY version',
  );
  const events: unknown = await replica.dataSource.query(
    'SELECT * FROM zoom_credential_events ORDER BY id',
  );
  return JSON.stringify({ credentials, events });
}

async function states(
  replica: Replica,
): Promise<Array<{ version: number; state: string; hasSecret: boolean }>> {
  const rows = await replica.store.all();
  return rows.map((r) => ({
    version: r.version,
    state: r.state,
    hasSecret: r.secretCiphertext !== null,
  }));
}

describe(CredentialsService.name, () => {
  let simulator: ZoomSimulator;
  const open: Replica[] = [];

  beforeAll(async () => {
    simulator = new ZoomSimulator({
      accountId: ACCOUNT_ID,
      clientId: CLIENT_ID,
      clientSecret: INITIAL_SECRET,
      appId: APP_ID,
    });
    await simulator.listen(0);
  });

  afterAll(async () => {
    await simulator.close();
  });

  afterEach(async () => {
    while (open.length) await open.pop()!.close();
    simulator.control.reset({ credentials: true, tokens: true });
  });

  async function replica(
    options: Omit<Parameters<typeof startReplica>[0], 'simulator'>,
  ): Promise<Replica> {
    const started = await startReplica({ ...options, simulator });
    open.push(started);
    return started;
  }

  describe.each(databases)('on %s', (_name, createDatabase) => {
    let database: Database;
    const key = testEncryptionKey();

    beforeEach(async () => {
      database = await createDatabase();
    });

    afterEach(async () => {
      while (open.length) await open.pop()!.close();
      await database.drop();
    });

    it('seeds version 1 from the environment and stores the secret only encrypted', async () => {
      const a = await replica({
        databaseUrl: database.url,
        encryptionKey: key,
        secret: INITIAL_SECRET,
      });
      expect(a.credentials.active()).toMatchObject({
        version: 1,
        clientId: CLIENT_ID,
        accountId: ACCOUNT_ID,
        clientSecret: INITIAL_SECRET,
      });
      const raw = await rawRows(a);
      expect(raw).toContain('"secret_ciphertext":"v1.');
      expect(raw).not.toContain(INITIAL_SECRET);
      expect(raw).toContain('"actor":"environment"');
    });

    it('keeps a stored newer version over the environment on every later start', async () => {
      const a = await replica({
        databaseUrl: database.url,
        encryptionKey: key,
        secret: INITIAL_SECRET,
      });
      const newSecret = await openOverlap(simulator, INITIAL_SECRET);
      await expect(
        a.rotation.rotate({ clientSecret: newSecret, actor: 'ops-admin', source: 'api' }),
      ).resolves.toMatchObject({
        version: 2,
        changed: true,
      });
      await a.close();
      open.pop();

      const restarted = await replica({
        databaseUrl: database.url,
        encryptionKey: key,
        secret: INITIAL_SECRET,
      });
      expect(restarted.credentials.active()).toMatchObject({
        version: 2,
        clientSecret: newSecret,
      });
      await expect(states(restarted)).resolves.toEqual([
        { version: 1, state: 'retired', hasSecret: false },
        { version: 2, state: 'active', hasSecret: true },
      ]);
      expect(logger.lines.join('\n')).toMatch(/retired version 1 and is ignored/);
      const raw = await rawRows(restarted);
      expect(raw).not.toContain(newSecret);
      expect(raw).not.toContain(INITIAL_SECRET);
    });

    it('makes an environment secret never seen before the active version once Zoom accepts it', async () => {
      await replica({ databaseUrl: database.url, encryptionKey: key, secret: INITIAL_SECRET }).then(
        (r) => r.close(),
      );
      open.pop();
      const changedSecret = await openOverlap(simulator, INITIAL_SECRET);
      const changed = await replica({
        databaseUrl: database.url,
        encryptionKey: key,
        secret: changedSecret,
      });
      expect(changed.credentials.active()).toMatchObject({
        version: 2,
        clientSecret: changedSecret,
      });
      expect(changed.credentials.environmentSecretRefused).toBeNull();
      await expect(states(changed)).resolves.toEqual([
        { version: 1, state: 'retired', hasSecret: false },
        { version: 2, state: 'active', hasSecret: true },
      ]);
      const events = await changed.store.recentEvents();
      expect(events.map((e) => [e.version, e.event, e.actor]).toReversed()).toEqual(
        expect.arrayContaining([
          [2, 'staged', 'environment'],
          [2, 'activated', 'environment'],
        ]),
      );
    });

    it('keeps serving with the stored version when Zoom refuses a mistyped environment secret', async () => {
      const first = await replica({
        databaseUrl: database.url,
        encryptionKey: key,
        secret: INITIAL_SECRET,
        replicaId: 'first',
      });
      const linesBefore = logger.lines.length;
      const typo = await replica({
        databaseUrl: database.url,
        encryptionKey: key,
        secret: 'mistyped-secret-value-04',
        replicaId: 'typo',
      });
      expect(typo.credentials.active()).toMatchObject({
        version: 1,
        clientSecret: INITIAL_SECRET,
      });
      expect(typo.credentials.environmentSecretRefused).toMatchObject({
        variable: 'ZOOM_CLIENT_SECRET',
        clientId: CLIENT_ID,
        outcome: 'rejected',
        reason: 'Invalid client_id or client_secret',
        activeVersion: 1,
      });
      // The working version keeps its ciphertext; only the refused candidate's is wiped.
      await expect(states(typo)).resolves.toEqual([
        { version: 1, state: 'active', hasSecret: true },
        { version: 2, state: 'rejected', hasSecret: false },
      ]);
      await first.credentials.reload();
      expect(first.credentials.active().version).toBe(1);
      const errors = logger.lines
        .slice(linesBefore)
        .filter((line) => line.startsWith('error') && line.includes('ZOOM_CLIENT_SECRET'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(
        /ZOOM_CLIENT_SECRET .* was refused by Zoom: Invalid client_id or client_secret.*stored version 1/,
      );
      await expect(rawRows(typo)).resolves.not.toContain('mistyped-secret-value-04');
    });

    it('only seeds an empty database in the CLI role, whatever the environment says', async () => {
      await replica({ databaseUrl: database.url, encryptionKey: key, secret: INITIAL_SECRET }).then(
        (r) => r.close(),
      );
      open.pop();
      const command = await replica({
        databaseUrl: database.url,
        encryptionKey: key,
        secret: 'stale-or-mistyped-secret-03',
        role: 'cli',
      });
      expect(command.credentials.active()).toMatchObject({
        version: 1,
        clientSecret: INITIAL_SECRET,
      });
      await expect(states(command)).resolves.toEqual([
        { version: 1, state: 'active', hasSecret: true },
      ]);
    });

    it("answers 422 with Zoom's reason and changes nothing when Zoom refuses the secret", async () => {
      const a = await replica({
        databaseUrl: database.url,
        encryptionKey: key,
        secret: INITIAL_SECRET,
      });
      const heard: ZoomCredentials[] = [];
      a.credentials.onActivated((c) => heard.push(c));
      const refused = await a.rotation
        .rotate({ clientSecret: 'wrong-secret-value-999', actor: 'ops-admin', source: 'api' })
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(DomainError);
      expect(refused).toMatchObject({
        status: 422,
        code: 'credentials_rejected',
        message: 'Invalid client_id or client_secret',
      });
      expect(a.credentials.active().version).toBe(1);
      expect(heard).toEqual([]);
      await expect(states(a)).resolves.toEqual([
        { version: 1, state: 'active', hasSecret: true },
        { version: 2, state: 'rejected', hasSecret: false },
      ]);
      const events = await a.store.recentEvents();
      expect(events.map((e) => [e.version, e.event, e.actor])).toEqual(
        expect.arrayContaining([
          [2, 'staged', 'ops-admin'],
          [2, 'rejected', 'ops-admin'],
        ]),
      );
      await expect(rawRows(a)).resolves.not.toContain('wrong-secret-value-999');
    });

    it('answers 503 and changes nothing when Zoom cannot validate the secret', async () => {
      const a = await replica({
        databaseUrl: database.url,
        encryptionKey: key,
        secret: INITIAL_SECRET,
      });
      const newSecret = await openOverlap(simulator, INITIAL_SECRET);
      simulator.control.failNext(1, { target: 'token', status: 503 });
      await expect(
        a.rotation.rotate({ clientSecret: newSecret, actor: 'ops-admin', source: 'api' }),
      ).rejects.toMatchObject({
        status: 503,
        code: 'zoom_unavailable',
      });
      await expect(states(a)).resolves.toEqual([
        { version: 1, state: 'active', hasSecret: true },
        { version: 2, state: 'abandoned', hasSecret: false },
      ]);
    });

    it('serialises concurrent rotations on two replicas: unique versions, the last validated one active everywhere', async () => {
      // The stored seed is a secret the simulator does not know, so two different new secrets are both valid.
      const a = await replica({
        databaseUrl: database.url,
        encryptionKey: key,
        secret: 'seed-unknown-to-zoom-1',
        replicaId: 'a',
      });
      const b = await replica({
        databaseUrl: database.url,
        encryptionKey: key,
        secret: 'seed-unknown-to-zoom-1',
        replicaId: 'b',
      });
      const second = await openOverlap(simulator, INITIAL_SECRET);
      simulator.control.setTokenLatency(300);
      const started = Date.now();
      const outcomes = await Promise.allSettled([
        a.rotation.rotate({ clientSecret: INITIAL_SECRET, actor: 'admin-a', source: 'api' }),
        b.rotation.rotate({ clientSecret: second, actor: 'admin-b', source: 'api' }),
        a.rotation.rotate({
          clientSecret: 'refused-by-zoom-0003',
          actor: 'admin-c',
          source: 'api',
        }),
      ]);
      const elapsed = Date.now() - started;
      const ok = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
      expect(ok.length).toBe(2);
      expect(outcomes.filter((o) => o.status === 'rejected').length).toBe(1);
      // Three validations of 300 ms each ran one after another, not side by side.
      expect(elapsed).toBeGreaterThanOrEqual(900);
      const rows = await a.store.all();
      expect(rows.map((r) => r.version)).toEqual([1, 2, 3, 4]);
      expect(rows.filter((r) => r.state === 'active').length).toBe(1);
      const active = rows.find((r) => r.state === 'active')!;
      const newest = rows.filter((r) => r.state === 'active' || r.state === 'retired').at(-1)!;
      expect(active.version).toBe(newest.version);
      await a.credentials.reload();
      await b.credentials.reload();
      expect(a.credentials.active().version).toBe(active.version);
      expect(b.credentials.active().version).toBe(active.version);
    });

    it('refuses to activate a version older than one already activated', async () => {
      const a = await replica({
        databaseUrl: database.url,
        encryptionKey: key,
        secret: INITIAL_SECRET,
      });
      const older = await a.store.stage({
        accountId: ACCOUNT_ID,
        clientId: CLIENT_ID,
        clientSecret: 'older-candidate-01',
        source: 'api',
        actor: 't',
      });
      const newer = await a.store.stage({
        accountId: ACCOUNT_ID,
        clientId: CLIENT_ID,
        clientSecret: 'newer-candidate-02',
        source: 'api',
        actor: 't',
      });
      await a.store.activate(newer.row.version, 't');
      await expect(a.store.activate(older.row.version, 't')).rejects.toMatchObject({ status: 409 });
      await expect(a.store.findActive()).resolves.toMatchObject({ version: newer.row.version });
    });

    it('refuses to start with an ENCRYPTION_KEY other than the one the secret was stored with', async () => {
      await replica({ databaseUrl: database.url, encryptionKey: key, secret: INITIAL_SECRET }).then(
        (r) => r.close(),
      );
      open.pop();
      await expect(
        startReplica({
          databaseUrl: database.url,
          encryptionKey: testEncryptionKey(),
          secret: INITIAL_SECRET,
          simulator,
        }),
      ).rejects.toThrow(/Cannot decrypt Zoom credential version 1/);
    });
  });

  describe('across a fleet on PostgreSQL', () => {
    let database: Database;
    let namespace: Awaited<ReturnType<typeof createRedisNamespace>>;
    const key = testEncryptionKey();

    beforeEach(async () => {
      database = await createPostgresDatabase();
      namespace = await createRedisNamespace();
    });

    afterEach(async () => {
      while (open.length) await open.pop()!.close();
      await database.drop();
      await namespace.cleanup();
    });

    it('announces a new version to every replica through Redis within a second', async () => {
      const redis = { url: namespace.url, prefix: namespace.prefix };
      const a = await replica({
        databaseUrl: database.url,
        encryptionKey: key,
        secret: INITIAL_SECRET,
        redis,
        replicaId: 'a',
      });
      const b = await replica({
        databaseUrl: database.url,
        encryptionKey: key,
        secret: INITIAL_SECRET,
        redis,
        replicaId: 'b',
      });
      const heard = new Promise<{ credentials: ZoomCredentials; at: number }>((resolve) =>
        b.credentials.onActivated((credentials) => resolve({ credentials, at: Date.now() })),
      );
      const newSecret = await openOverlap(simulator, INITIAL_SECRET);
      await a.rotation.rotate({ clientSecret: newSecret, actor: 'ops-admin', source: 'api' });
      const activatedAt = Date.now();
      const { credentials, at } = await heard;
      expect(credentials).toMatchObject({
        version: 2,
        clientSecret: newSecret,
      });
      expect(at - activatedAt).toBeLessThan(1_000);
      // Only the version number travels through Redis.
      const keys = await namespace.client.keys(`${namespace.prefix}*`);
      const values = await Promise.all(keys.map((k) => namespace.client.get(k).catch(() => '')));
      expect(JSON.stringify(values)).not.toContain(newSecret);
    });

    it('catches up by polling when a replica misses the announcement', async () => {
      const a = await replica({
        databaseUrl: database.url,
        encryptionKey: key,
        secret: INITIAL_SECRET,
        replicaId: 'a',
      });
      // No Redis on b: it can only learn by polling the active version.
      const b = await replica({
        databaseUrl: database.url,
        encryptionKey: key,
        secret: INITIAL_SECRET,
        replicaId: 'b',
      });
      const started = Date.now();
      const heard = new Promise<number>((resolve) =>
        b.credentials.onActivated((c) => resolve(c.version)),
      );
      const newSecret = await openOverlap(simulator, INITIAL_SECRET);
      await a.rotation.rotate({ clientSecret: newSecret, actor: 'ops-admin', source: 'api' });
      await expect(heard).resolves.toBe(2);
      expect(Date.now() - started).toBeLessThan(7_000);
    });
  });

  it('never logged a secret', () => {
    const all = logger.lines.join('\n');
    expect(all.length).toBeGreaterThan(0);
    for (const secret of [
      INITIAL_SECRET,
      'mistyped-secret-value-04',
      'wrong-secret-value-999',
      'refused-by-zoom-0003',
    ]) {
      expect(all).not.toContain(secret);
    }
  });
});
