import { Test, type TestingModule } from '@nestjs/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createPostgresDatabase, testEncryptionKey } from '../../test/support/services.js';
import { AuditModule } from '../audit/audit.module.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { CommonModule } from '../common/common.module.js';
import { FakeClock } from '../common/testing/fake-clock.js';
import { loadConfig } from '../config/app-config.js';
import { ConfigModule } from '../config/config.module.js';
import { CoordinationModule } from '../coordination/coordination.module.js';
import { DatabaseModule } from '../database/database.module.js';
import { MeetingEntity } from '../meetings/meeting.entity.js';
import { AccessModule } from '../access/access.module.js';
import { AccessPolicy } from '../access/access-policy.service.js';
import { MeetingOwnershipModule } from '../meetings/ownership/meeting-ownership.module.js';
import { VisibleMeetings } from '../meetings/ownership/visible-meetings.js';
import { ApiKeyLifecycleService } from './api-key-lifecycle.service.js';
import type { AuthenticatedCaller } from '../access/caller.js';
import { ApiKeyEntity, ApiKeySecretEntity } from './api-key.entity.js';
import {
  ApiKeyService,
  generateKey,
  hashKey,
  UNKNOWN_KEY_CHECK_SPACING_MS,
} from './api-key.service.js';
import { ApiKeyUsage } from './api-key-usage.js';
import { AuthModule } from './auth.module.js';
import { parseGrants } from '../config/grants.js';

const ENV_KEY = 'env-key-0123456789abcdef';

const engines: Array<[string, () => Promise<{ url: string; drop(): Promise<void> }>]> = [
  [
    'SQLite',
    async () => ({
      url: `sqlite:${join(mkdtempSync(join(tmpdir(), 'zg-keys-')), 'db.sqlite')}`,
      drop: async () => undefined,
    }),
  ],
  ['PostgreSQL', () => createPostgresDatabase()],
];

function callerOf(result: ReturnType<ApiKeyService['authenticate']>): AuthenticatedCaller {
  if ('refusal' in result) throw new Error(`refused: ${result.refusal}`);
  return result.caller;
}

function refusalOf(result: ReturnType<ApiKeyService['authenticate']>): string {
  return 'refusal' in result ? result.refusal : 'accepted';
}

describe.each(engines)(`${ApiKeyLifecycleService.name} on %s`, (_engine, open) => {
  let module: TestingModule;
  let drop: () => Promise<void>;
  let keys: ApiKeyLifecycleService;
  let registry: ApiKeyService;
  let audit: AuditService;
  const clock = new FakeClock(Date.UTC(2030, 0, 1));

  beforeAll(async () => {
    const database = await open();
    drop = () => database.drop();
    const config = loadConfig(
      {
        DATABASE_URL: database.url,
        ENCRYPTION_KEY: testEncryptionKey(),
        API_KEYS: `envapp:${ENV_KEY}`,
        DATA_DIR: mkdtempSync(join(tmpdir(), 'zg-keys-data-')),
        LOG_LEVEL: 'silent',
      },
      { role: 'cli' },
    );
    module = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(config),
        CommonModule,
        DatabaseModule,
        CoordinationModule,
        AuditModule,
        AuthModule,
        AccessModule.forRoot({ imports: [AuthModule, MeetingOwnershipModule] }),
      ],
    })
      .overrideProvider(Clock)
      .useValue(clock)
      .setLogger({ log() {}, warn() {}, error() {} })
      .compile();
    await module.init();
    keys = module.get(ApiKeyLifecycleService);
    registry = module.get(ApiKeyService);
    audit = module.get(AuditService);
  });

  // Each step a little later than the last, so "newest first" has one answer.
  beforeEach(() => clock.advance(10));

  afterAll(async () => {
    await module?.close();
    await drop?.();
  });

  it('makes a key that works at once, with its grants, and lists it without the key or its hash', async () => {
    const issued = await keys.create('ops', {
      name: 'billing',
      grants: parseGrants('meetings=rw;users=r', { admin: false }),
    });
    expect(issued.key).toMatch(/^zgw_[A-Za-z0-9_-]{43}$/);
    expect(callerOf(registry.authenticate(issued.key))).toMatchObject({
      name: 'billing',
      admin: false,
    });
    const listed = await keys.list();
    expect(listed.map((k) => [k.name, k.source, k.grants])).toEqual([
      ['billing', 'database', 'meetings=rw;users=r;ownership=own'],
      ['envapp', 'environment', 'meetings=rw;ownership=own'],
    ]);
    const text = JSON.stringify(listed);
    expect(text).not.toContain(issued.key);
    expect(text).not.toMatch(/[0-9a-f]{64}/);
  });

  it('refuses a name that exists, existed or comes from the environment with 409', async () => {
    await expect(keys.create('ops', { name: 'billing' })).rejects.toMatchObject({ status: 409 });
    await expect(keys.create('ops', { name: 'envapp' })).rejects.toMatchObject({ status: 409 });
    await expect(keys.revoke('ops', 'envapp')).rejects.toMatchObject({ status: 409 });
    await expect(keys.revoke('ops', 'nobody')).rejects.toMatchObject({ status: 404 });
  });

  it('keeps the old key through the rotation overlap and refuses it after', async () => {
    const first = await keys.create('ops', { name: 'rotating' });
    const second = await keys.rotate('ops', 'rotating', { overlapSeconds: 60 });
    expect(second.keys).toHaveLength(2);
    expect(callerOf(registry.authenticate(first.key)).name).toBe('rotating');
    expect(callerOf(registry.authenticate(second.key)).name).toBe('rotating');
    clock.advance(61_000);
    expect(refusalOf(registry.authenticate(first.key))).toMatch(/replaced by a rotation/);
    expect(callerOf(registry.authenticate(second.key)).name).toBe('rotating');
  });

  it('accepts at once a key another replica stored before its announcement arrives', async () => {
    // Another replica's write: straight to the store, with no reload or announcement here.
    const key = generateKey();
    const now = new Date(clock.now());
    const database = module.get(DataSource);
    await database.getRepository(ApiKeyEntity).insert({
      name: 'elsewhere',
      admin: false,
      grants: 'meetings=r',
      createdAt: now,
      createdBy: 'ops',
      updatedAt: now,
      expiresAt: null,
      revokedAt: null,
    });
    await database.getRepository(ApiKeySecretEntity).insert({
      keyHash: hashKey(key).toString('hex'),
      name: 'elsewhere',
      createdAt: now,
      retiresAt: null,
    });
    expect(refusalOf(registry.authenticate(key))).toBe('Invalid API key.');
    await expect(registry.callerFor(`Bearer ${key}`)).resolves.toMatchObject({ name: 'elsewhere' });
  });

  it('accepts at once a key rotated on a replica whose clock runs behind this one', async () => {
    const key = generateKey();
    // A new key row only: the app's updated_at does not move past the newest one seen here.
    await module
      .get(DataSource)
      .getRepository(ApiKeySecretEntity)
      .insert({
        keyHash: hashKey(key).toString('hex'),
        name: 'elsewhere',
        createdAt: new Date(0),
        retiresAt: null,
      });
    await expect(registry.callerFor(`Bearer ${key}`)).resolves.toMatchObject({ name: 'elsewhere' });
  });

  it('checks the store for unknown keys of its own shape only, one query at a time, spaced', async () => {
    const apps = module.get(DataSource).getRepository(ApiKeyEntity);
    const queries = vi.spyOn(apps, 'createQueryBuilder');
    try {
      await expect(registry.callerFor('Bearer not-a-gateway-key')).rejects.toMatchObject({
        status: 401,
      });
      expect(queries).not.toHaveBeenCalled();
      const refusals = await Promise.allSettled(
        Array.from({ length: 20 }, () => registry.callerFor(`Bearer ${generateKey()}`)),
      );
      expect(refusals.map((r) => r.status)).toEqual(Array(20).fill('rejected'));
      expect(refusals[0]).toMatchObject({ reason: { status: 401, message: 'Invalid API key.' } });
      // The first check, and one more shared by every key that arrived while it ran, spaced.
      expect(queries.mock.calls.length).toBeLessThanOrEqual(2);
      expect(clock.sleeps).toContain(UNKNOWN_KEY_CHECK_SPACING_MS);
      // A wall clock stepped back a minute holds an unknown key no longer than the spacing.
      clock.advance(-60_000);
      await expect(registry.callerFor(`Bearer ${generateKey()}`)).rejects.toMatchObject({
        status: 401,
      });
      expect(Math.max(...clock.sleeps)).toBeLessThanOrEqual(UNKNOWN_KEY_CHECK_SPACING_MS);
      clock.advance(60_000);
    } finally {
      queries.mockRestore();
    }
  });

  it('refuses an expired key with a message saying so', async () => {
    const issued = await keys.create('ops', {
      name: 'shortlived',
      expiresAt: new Date(clock.now() + 1_000),
    });
    expect(callerOf(registry.authenticate(issued.key)).name).toBe('shortlived');
    clock.advance(1_000);
    expect(refusalOf(registry.authenticate(issued.key))).toMatch(/expired at/);
  });

  it('refuses a revoked key, and revoking again changes nothing', async () => {
    const issued = await keys.create('ops', { name: 'leaked' });
    await keys.revoke('ops', 'leaked');
    await keys.revoke('ops', 'leaked');
    expect(refusalOf(registry.authenticate(issued.key))).toMatch(/revoked/);
    await expect(keys.rotate('ops', 'leaked', { overlapSeconds: 0 })).rejects.toMatchObject({
      status: 409,
    });
  });

  it('changes grants at run time', async () => {
    const issued = await keys.create('ops', { name: 'growing' });
    clock.advance(1);
    const updated = await keys.update('ops', 'growing', {
      grants: parseGrants('meetings=r;ownership=all', { admin: false }),
    });
    expect(updated.grants).toBe('meetings=r;ownership=all');
    expect(callerOf(registry.authenticate(issued.key)).grants.ownership).toBe('all');
  });

  it('records every change in the audit trail, newest first, with who made it', async () => {
    const page = await audit.list({ limit: 100 });
    const revokes = page.events.filter((e) => e.action === 'api_key.revoked');
    expect(revokes).toEqual([expect.objectContaining({ actor: 'ops', target: 'leaked' })]);
    expect(page.events[0]).toMatchObject({ action: 'api_key.updated', target: 'growing' });
    expect(page.events.map((e) => e.action)).toContain('api_key.rotated');
    const first = await audit.list({ limit: 2 });
    const next = await audit.list({ limit: 100, cursor: first.nextCursor ?? '' });
    expect([...first.events, ...next.events].map((e) => e.id)).toEqual(
      page.events.map((e) => e.id),
    );
    expect(JSON.stringify(page)).not.toContain('zgw_');
  });

  it('writes last use in batches, the latest winning', async () => {
    const usage = module.get(ApiKeyUsage);
    callerOf(registry.authenticate(ENV_KEY));
    await usage.flush();
    const listed = await keys.list();
    expect(listed.find((k) => k.name === 'envapp')?.lastUsedAt).toBe(
      new Date(clock.now()).toISOString(),
    );
  });

  it('hides another app’s meeting as missing, before any call, and filters its lists', async () => {
    const meetings = module.get(DataSource).getRepository(MeetingEntity);
    const base = {
      hostUser: 'me',
      status: 'active' as const,
      createdAt: new Date(),
      updatedAt: new Date(),
    };
    await meetings.insert([
      { ...base, id: randomUUID(), zoomMeetingId: '111', zoomUuid: 'uu/A==', createdBy: 'billing' },
      { ...base, id: randomUUID(), zoomMeetingId: '222', zoomUuid: 'uuB==', createdBy: 'crm' },
    ]);
    const policy = module.get(AccessPolicy);
    const billing: AuthenticatedCaller = {
      name: 'billing',
      admin: false,
      grants: parseGrants('meetings=rw', { admin: false }),
    };
    let called = 0;
    const call = () => Promise.resolve(++called);
    await expect(policy.ownMeeting(billing, '111', call)).resolves.toBe(1);
    await expect(policy.ownMeeting(billing, '222', call)).rejects.toMatchObject({
      status: 404,
      message: 'Meeting does not exist: 222.',
      options: { zoomCode: 3001 },
    });
    expect(called).toBe(1);
    await expect(
      policy.assertZoomCall(billing, 'GET', '/past_meetings/uu%252FA%3D%3D/instances'),
    ).resolves.toBeUndefined();
    await expect(
      policy.assertZoomCall(billing, 'GET', '/meetings/222/recordings'),
    ).rejects.toMatchObject({ status: 403 });
    await expect(
      policy.assertZoomCall(billing, 'DELETE', '/meetings/222/registrants/x'),
    ).rejects.toMatchObject({ status: 404 });
    await expect(policy.assertZoomCall(billing, 'GET', '/users/me')).rejects.toMatchObject({
      code: 'grant_missing',
      message: expect.stringContaining('users=r'),
    });
    const list = await new VisibleMeetings(policy).of(billing, {
      status: 200,
      json: '{"page_size":30,"total_records":2,"meetings":[{"id":111},{"id":222}],"next_page_token":""}',
    });
    expect(JSON.parse(list.json)).toEqual({
      page_size: 30,
      total_records: 1,
      meetings: [{ id: 111 }],
      next_page_token: '',
    });
  });
});
