import { FixedApps, FixedOwners } from '../../access/testing/fixed-ports.js';
import { randomBytes } from 'node:crypto';
import { AccessPolicy } from '../../access/access-policy.service.js';
import type { AuthenticatedCaller } from '../../access/caller.js';
import { AuditEventEntity } from '../../audit/audit-event.entity.js';
import { AuditRepository } from '../../audit/audit.repository.js';
import { AuditService } from '../../audit/audit.service.js';
import { EncryptionService } from '../../common/crypto/encryption.service.js';
import { DomainError } from '../../common/errors/index.js';
import { FakeClock } from '../../common/testing/fake-clock.js';
import { loadConfig } from '../../config/app-config.js';
import { ADMIN_GRANTS, DEFAULT_APP_GRANTS } from '../../config/grants.js';
import type { MigratedDatabase } from '../../database/testing/migrated-database.js';
import { migratedEngines } from '../../database/testing/migrated-engines.js';
import { SubscriptionSecrets } from './subscription-secrets.js';
import { SubscriptionsRepository } from './subscriptions.repository.js';
import { MAX_SUBSCRIPTIONS_PER_APP, SubscriptionsService } from './subscriptions.service.js';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity.js';

const T = Date.UTC(2025, 10, 28, 12, 0, 0);
const HOOK = 'http://127.0.0.1:8080/hook';

const appA: AuthenticatedCaller = { name: 'app-a', admin: false, grants: DEFAULT_APP_GRANTS };
const appB: AuthenticatedCaller = { name: 'app-b', admin: false, grants: DEFAULT_APP_GRANTS };
const admin: AuthenticatedCaller = { name: 'ops', admin: true, grants: ADMIN_GRANTS };

/** How a call was refused: status, code and the fields named; or 'resolved'. */
async function refusal(
  promise: Promise<unknown>,
): Promise<{ status: number; code: string; fields: string[] } | 'resolved'> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const fields = (error.options.errors ?? []).map((e) => e.field);
    return { status: error.status, code: error.code, fields };
  }
}

const notFound = { status: 404, code: 'not_found', fields: [] };
const invalid = (field: string) => ({ status: 400, code: 'validation_failed', fields: [field] });

describe.each(migratedEngines)(`${SubscriptionsService.name} on %s`, (_engine, open) => {
  let handle: MigratedDatabase;
  let clock: FakeClock;
  let secrets: SubscriptionSecrets;
  let service: SubscriptionsService;

  beforeAll(async () => {
    handle = await open('webhook-subscriptions');
    secrets = new SubscriptionSecrets(new EncryptionService(randomBytes(32)));
  });

  afterAll(async () => {
    await handle?.close();
  });

  beforeEach(async () => {
    for (const table of ['webhook_deliveries', 'webhook_subscriptions', 'audit_events'])
      await handle.dataSource.query(`DELETE FROM ${table}`);
    clock = new FakeClock(T);
    const dataSource = handle.dataSource;
    service = new SubscriptionsService(
      loadConfig({ WEBHOOK_DESTINATIONS: 'http://127.0.0.1' }),
      clock,
      new SubscriptionsRepository(dataSource),
      secrets,
      new AuditService(new AuditRepository(dataSource.getRepository(AuditEventEntity)), clock),
      new AccessPolicy(new FixedOwners(), FixedApps.of(appA, appB)),
    );
  });

  const stored = async (id: string) => {
    const row = await handle.dataSource.getRepository(WebhookSubscriptionEntity).findOneBy({ id });
    if (!row) throw new Error(`no subscription ${id}`);
    return row;
  };

  const audit = () =>
    handle.dataSource.getRepository(AuditEventEntity).find({ order: { at: 'ASC', action: 'ASC' } });

  it('answers the secret once at create and stores it only encrypted', async () => {
    const created = await service.create(appA, { url: HOOK, events: ['meeting.*'] });
    expect(created.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({
      app: 'app-a',
      url: HOOK,
      events: ['meeting.*'],
      paused: false,
    });
    const [raw] = await handle.dataSource.query(
      `SELECT secret, next_secret FROM webhook_subscriptions WHERE id = '${created.id}'`,
    );
    expect(JSON.stringify(raw).includes(created.secret)).toBe(false);
    expect(raw.next_secret).toBeNull();
    expect(secrets.signingAt(await stored(created.id), clock.now())).toEqual({
      signing: created.secret,
    });
  });

  it('never carries the secret in a list or a get', async () => {
    const created = await service.create(appA, { url: HOOK, events: ['meeting.*'] });
    const got = await service.get(appA, created.id);
    const listed = await service.list(appA);
    expect(Object.keys(got).includes('secret')).toBe(false);
    expect(listed.map((view) => view.id)).toEqual([created.id]);
    expect(JSON.stringify([got, listed]).includes(created.secret)).toBe(false);
  });

  it('shows an app key only its own subscriptions and answers 404 for another app’s', async () => {
    const mine = await service.create(appA, { url: HOOK, events: ['meeting.*'] });
    const theirs = await service.create(appB, { url: HOOK, events: ['recording.completed'] });
    expect((await service.list(appA)).map((view) => view.id)).toEqual([mine.id]);
    expect(await refusal(service.get(appA, theirs.id))).toEqual(notFound);
    expect(await refusal(service.update(appA, theirs.id, { paused: true }))).toEqual(notFound);
    expect(await refusal(service.rotateSecret(appA, theirs.id, { overlapSeconds: 0 }))).toEqual(
      notFound,
    );
    expect(await refusal(service.remove(appA, theirs.id))).toEqual(notFound);
    expect(await refusal(service.owned(appA, theirs.id))).toEqual(notFound);
    const untouched = await stored(theirs.id);
    expect([untouched.pausedAt, untouched.nextSecret]).toEqual([null, null]);
  });

  it('lets an admin key see, change and remove any app’s subscription', async () => {
    const theirs = await service.create(appB, { url: HOOK, events: ['meeting.*'] });
    clock.advance(1_000);
    const adminMade = await service.create(admin, {
      url: 'http://localhost:9000/x',
      events: ['*'],
      app: 'app-a',
    });
    expect(adminMade.app).toBe('app-a');
    expect((await service.list(admin)).map((view) => view.id)).toEqual([theirs.id, adminMade.id]);
    expect((await service.get(admin, theirs.id)).app).toBe('app-b');
    const paused = await service.update(admin, theirs.id, { paused: true, description: 'on hold' });
    expect([paused.paused, paused.description]).toEqual([true, 'on hold']);
    await service.remove(admin, theirs.id);
    expect(await refusal(service.get(admin, theirs.id))).toEqual(notFound);
  });

  it('refuses an app key that names another app, naming the field app', async () => {
    expect(
      await refusal(service.create(appA, { url: HOOK, events: ['meeting.*'], app: 'app-b' })),
    ).toEqual(invalid('app'));
    const own = await service.create(appA, { url: HOOK, events: ['meeting.*'], app: 'app-a' });
    expect(own.app).toBe('app-a');
    expect(
      await refusal(service.create(admin, { url: HOOK, events: ['meeting.*'], app: 'app-gone' })),
    ).toEqual(invalid('app'));
  });

  it.each([
    ['outside WEBHOOK_DESTINATIONS', 'https://example.com/hook'],
    ['on another loopback address', 'http://127.0.0.2/hook'],
    ['link-local', 'http://169.254.169.254/latest/meta-data/'],
    ['with credentials', 'http://user:pass@127.0.0.1/hook'],
  ])('refuses a URL %s with 400 naming url, at create and at update', async (_why, url) => {
    expect(await refusal(service.create(appA, { url, events: ['meeting.*'] }))).toEqual(
      invalid('url'),
    );
    const created = await service.create(appA, { url: HOOK, events: ['meeting.*'] });
    expect(await refusal(service.update(appA, created.id, { url }))).toEqual(invalid('url'));
    expect((await stored(created.id)).url).toBe(HOOK);
  });

  it('refuses link-local and credentialed URLs to admin keys too', async () => {
    for (const url of ['http://169.254.169.254/', 'https://a:b@hooks.example.com/'])
      expect(await refusal(service.create(admin, { url, events: ['*'] }))).toEqual(invalid('url'));
  });

  it(`allows at most ${MAX_SUBSCRIPTIONS_PER_APP} subscriptions per app`, async () => {
    for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_APP; i++)
      await service.create(appA, { url: `${HOOK}/${i}`, events: ['meeting.*'] });
    const refused = await refusal(service.create(appA, { url: HOOK, events: ['meeting.*'] }));
    expect(refused).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(
      await refusal(service.create(admin, { url: HOOK, events: ['meeting.*'], app: 'app-a' })),
    ).toMatchObject({ status: 400 });
    expect((await service.list(appA)).length).toBe(MAX_SUBSCRIPTIONS_PER_APP);
    expect((await service.create(appB, { url: HOOK, events: ['meeting.*'] })).app).toBe('app-b');
  });

  it('keeps the old secret signing during a rotation’s overlap, with the new one as next', async () => {
    const created = await service.create(appA, { url: HOOK, events: ['meeting.*'] });
    clock.advance(5_000);
    const rotated = await service.rotateSecret(appA, created.id, { overlapSeconds: 60 });
    expect(rotated.secret === created.secret).toBe(false);
    expect(rotated.newSecretSigningFrom).toBe(new Date(T + 65_000).toISOString());
    const row = await stored(created.id);
    expect(secrets.signingAt(row, clock.now())).toEqual({
      signing: created.secret,
      next: rotated.secret,
    });
    expect(secrets.signingAt(row, T + 64_999)).toEqual({
      signing: created.secret,
      next: rotated.secret,
    });
    expect(secrets.signingAt(row, T + 65_000)).toEqual({ signing: rotated.secret });
    clock.advance(60_000);
    expect((await service.get(appA, created.id)).newSecretSigningFrom).toBeNull();
  });

  it('switches to the new secret at once with overlapSeconds 0', async () => {
    const created = await service.create(appA, { url: HOOK, events: ['meeting.*'] });
    const rotated = await service.rotateSecret(appA, created.id, { overlapSeconds: 0 });
    expect(rotated.newSecretSigningFrom).toBeNull();
    expect(secrets.signingAt(await stored(created.id), clock.now())).toEqual({
      signing: rotated.secret,
    });
  });

  it('keeps the secret signing now when a rotation comes during an overlap, and next is the newest', async () => {
    const created = await service.create(appA, { url: HOOK, events: ['meeting.*'] });
    const first = await service.rotateSecret(appA, created.id, { overlapSeconds: 60 });
    clock.advance(10_000);
    const second = await service.rotateSecret(appA, created.id, { overlapSeconds: 60 });
    const row = await stored(created.id);
    expect(secrets.signingAt(row, clock.now())).toEqual({
      signing: created.secret,
      next: second.secret,
    });
    expect(secrets.signingAt(row, clock.now() + 60_000)).toEqual({ signing: second.secret });
    expect([created.secret, second.secret].includes(first.secret)).toBe(false);
    // After an overlap has ended, the next rotation keeps the secret that took over.
    clock.advance(60_000);
    const third = await service.rotateSecret(appA, created.id, { overlapSeconds: 30 });
    expect(secrets.signingAt(await stored(created.id), clock.now())).toEqual({
      signing: second.secret,
      next: third.secret,
    });
  });

  it('writes an audit row for every change, none of which carries a secret', async () => {
    const created = await service.create(appA, { url: HOOK, events: ['meeting.*'] });
    clock.advance(1);
    await service.update(appA, created.id, { events: ['recording.*'], paused: true });
    clock.advance(1);
    const rotated = await service.rotateSecret(appA, created.id, { overlapSeconds: 120 });
    clock.advance(1);
    await service.remove(appA, created.id);
    const rows = await audit();
    expect(rows.map((row) => [row.actor, row.action, row.target])).toEqual([
      ['app-a', 'webhook_subscription.created', created.id],
      ['app-a', 'webhook_subscription.updated', created.id],
      ['app-a', 'webhook_subscription.secret_rotated', created.id],
      ['app-a', 'webhook_subscription.deleted', created.id],
    ]);
    expect(rows.map((row) => (row.details === null ? null : JSON.parse(row.details)))).toEqual([
      { app: 'app-a', url: HOOK, events: ['meeting.*'] },
      { events: ['recording.*'], paused: true },
      { overlapSeconds: 120 },
      null,
    ]);
    const everything = JSON.stringify(await handle.dataSource.query('SELECT * FROM audit_events'));
    expect(everything.includes(created.secret)).toBe(false);
    expect(everything.includes(rotated.secret)).toBe(false);
    expect(await refusal(service.get(appA, created.id))).toEqual(notFound);
  });

  it('writes no audit row for a refused change', async () => {
    await refusal(service.create(appA, { url: 'https://example.com/', events: ['meeting.*'] }));
    const theirs = await service.create(appB, { url: HOOK, events: ['meeting.*'] });
    await refusal(service.update(appA, theirs.id, { paused: true }));
    expect((await audit()).map((row) => row.action)).toEqual(['webhook_subscription.created']);
  });
});
