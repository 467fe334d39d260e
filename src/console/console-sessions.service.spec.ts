import type { AuthenticatedCaller } from '../access/caller.js';
import { CallerIdentity } from '../access/ports.js';
import { AuditEventEntity } from '../audit/audit-event.entity.js';
import { AuditRepository } from '../audit/audit.repository.js';
import { AuditService } from '../audit/audit.service.js';
import { FakeClock } from '../common/testing/fake-clock.js';
import { ADMIN_GRANTS, DEFAULT_APP_GRANTS } from '../config/grants.js';
import type { MigratedDatabase } from '../database/testing/migrated-database.js';
import { migratedEngines } from '../database/testing/migrated-engines.js';
import { ConsoleSessionEntity } from './console-session.entity.js';
import { ConsoleSessionsRepository } from './console-sessions.repository.js';
import { ConsoleSessionsService, SESSION_CACHE_MS } from './console-sessions.service.js';
import { csrfTokenOf, SESSION_COOKIE, SESSION_TTL_MS, sha256Hex } from './session-cookie.js';

class Apps extends CallerIdentity {
  readonly live = new Map<string, AuthenticatedCaller>([
    ['ops', { name: 'ops', admin: true, grants: ADMIN_GRANTS }],
    ['app', { name: 'app', admin: false, grants: DEFAULT_APP_GRANTS }],
  ]);
  callerFor(): Promise<AuthenticatedCaller> {
    return Promise.reject(new Error('not used'));
  }
  callerNamed(name: string): AuthenticatedCaller | undefined {
    return this.live.get(name);
  }
}

const cookie = (secret: string) => `other=1; ${SESSION_COOKIE}=${secret}`;

describe.each(migratedEngines)(`${ConsoleSessionsService.name} on %s`, (_engine, open) => {
  let database: MigratedDatabase;
  let clock: FakeClock;
  let apps: Apps;
  let sessions: ConsoleSessionsService;
  let replica: ConsoleSessionsService;

  const build = (dataSource = database.dataSource) => {
    const audit = new AuditService(
      new AuditRepository(dataSource.getRepository(AuditEventEntity)),
      clock,
    );
    return new ConsoleSessionsService(
      new ConsoleSessionsRepository(dataSource.getRepository(ConsoleSessionEntity)),
      apps,
      audit,
      clock,
    );
  };

  beforeAll(async () => {
    database = await open('console_sessions');
    clock = new FakeClock(Date.now());
    apps = new Apps();
    sessions = build();
    replica = build(await database.connect());
  });
  afterAll(() => database?.close());

  it('keeps only the secret’s sha256, and maps a key session to the key’s app', async () => {
    const opened = await sessions.open('key', 'ops', true);
    const rows = await database.dataSource.getRepository(ConsoleSessionEntity).find();
    const row = rows.find((r) => r.id === opened.session.id);
    expect(row?.secretHash).toBe(sha256Hex(opened.secret));
    expect(JSON.stringify(rows)).not.toContain(opened.secret);
    await expect(
      replica.callerForSession({
        cookie: cookie(opened.secret),
        method: 'GET',
        csrfToken: undefined,
      }),
    ).resolves.toMatchObject({ name: 'ops', admin: true });
  });

  it('answers undefined without its cookie, 401 for an unknown one', async () => {
    await expect(
      sessions.callerForSession({ cookie: 'a=b', method: 'GET', csrfToken: undefined }),
    ).resolves.toBeUndefined();
    await expect(
      sessions.callerForSession({
        cookie: cookie('x'.repeat(43)),
        method: 'GET',
        csrfToken: undefined,
      }),
    ).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('needs the session’s CSRF token on every write', async () => {
    const opened = await sessions.open('key', 'ops', true);
    const write = (csrfToken: string | undefined) =>
      sessions.callerForSession({ cookie: cookie(opened.secret), method: 'POST', csrfToken });
    await expect(write(undefined)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(write('wrong')).rejects.toMatchObject({ code: 'forbidden' });
    expect(opened.csrfToken).toBe(csrfTokenOf(opened.secret));
    await expect(write(opened.csrfToken)).resolves.toMatchObject({ name: 'ops' });
  });

  it('names an OpenID Connect person console:<email>; a non-admin may only look', async () => {
    const acting = await sessions.open('oidc', 'ann@example.com', true);
    const looking = await sessions.open('oidc', 'bob@example.com', false);
    const get = (secret: string) =>
      sessions.callerForSession({ cookie: cookie(secret), method: 'GET', csrfToken: undefined });
    await expect(get(acting.secret)).resolves.toEqual({
      name: 'console:ann@example.com',
      admin: true,
      grants: ADMIN_GRANTS,
    });
    await expect(get(looking.secret)).resolves.toMatchObject({
      name: 'console:bob@example.com',
      lookOnly: true,
    });
  });

  it('ends a revoked session on another replica within the cache, and an expired one', async () => {
    const opened = await sessions.open('oidc', 'cat@example.com', true);
    const presented = { cookie: cookie(opened.secret), method: 'GET', csrfToken: undefined };
    await expect(replica.callerForSession(presented)).resolves.toBeDefined();
    await sessions.revoke(opened.session.id, 'ops');
    clock.advance(SESSION_CACHE_MS);
    await expect(replica.callerForSession(presented)).rejects.toMatchObject({
      code: 'unauthorized',
    });
    await expect(sessions.revoke(opened.session.id, 'ops')).rejects.toMatchObject({
      code: 'not_found',
    });

    const later = await sessions.open('oidc', 'dan@example.com', true);
    clock.advance(SESSION_TTL_MS);
    await expect(
      replica.callerForSession({
        cookie: cookie(later.secret),
        method: 'GET',
        csrfToken: undefined,
      }),
    ).rejects.toMatchObject({ code: 'unauthorized' });
    expect((await sessions.list()).map((s) => s.id)).not.toContain(later.session.id);
  });

  it('ends a key session once its app has no live admin key', async () => {
    const opened = await sessions.open('key', 'ops', true);
    apps.live.delete('ops');
    await expect(
      sessions.callerForSession({
        cookie: cookie(opened.secret),
        method: 'GET',
        csrfToken: undefined,
      }),
    ).rejects.toMatchObject({ code: 'unauthorized' });
    apps.live.set('ops', { name: 'ops', admin: true, grants: ADMIN_GRANTS });
  });

  it('signs out with the CSRF token only', async () => {
    const opened = await sessions.open('key', 'ops', true);
    await expect(sessions.signOut(cookie(opened.secret), 'wrong')).rejects.toMatchObject({
      code: 'forbidden',
    });
    await sessions.signOut(cookie(opened.secret), opened.csrfToken);
    await expect(
      sessions.callerForSession({
        cookie: cookie(opened.secret),
        method: 'GET',
        csrfToken: undefined,
      }),
    ).rejects.toMatchObject({ code: 'unauthorized' });
  });
});
