import { FixedApps, FixedOwners } from '../../access/testing/fixed-ports.js';
import { randomBytes, randomUUID } from 'node:crypto';
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
import { MetricsService } from '../../metrics/metrics.service.js';
import type { WebhookDeliveryEntity } from '../events/webhook-delivery.entity.js';
import { WebhookEventStore } from '../events/webhook-event.store.js';
import { SubscriptionSecrets } from '../subscriptions/subscription-secrets.js';
import { SubscriptionsRepository } from '../subscriptions/subscriptions.repository.js';
import { SubscriptionsService } from '../subscriptions/subscriptions.service.js';
import { DeliveriesRepository } from './deliveries.repository.js';
import { DeliveriesService } from './deliveries.service.js';
import { DeliveryMetrics } from './delivery-metrics.js';
import { DeliverySender } from './delivery-sender.js';
import { DeliveryWorker } from './delivery-worker.service.js';
import { EventFanOut } from './event-fan-out.js';
import { SubscriberBreakers } from './subscriber-breakers.js';

const T = Date.UTC(2025, 10, 28, 12, 0, 0);
const MEETING = '85746065432';
const OTHER_MEETING = '11111111111';
const appA: AuthenticatedCaller = { name: 'app-a', admin: false, grants: DEFAULT_APP_GRANTS };
const appB: AuthenticatedCaller = { name: 'app-b', admin: false, grants: DEFAULT_APP_GRANTS };
const admin: AuthenticatedCaller = { name: 'ops', admin: true, grants: ADMIN_GRANTS };

function delivery(
  subscriptionId: string,
  change: Partial<WebhookDeliveryEntity> = {},
): WebhookDeliveryEntity {
  return {
    id: randomUUID(),
    subscriptionId,
    app: 'app-a',
    eventId: 'e'.repeat(64),
    event: 'meeting.updated',
    meetingId: MEETING,
    eventAt: new Date(T - 60_000),
    status: 'delivered',
    attempts: 1,
    nextAttemptAt: new Date(T - 60_000),
    retryUntil: new Date(T + 86_400_000),
    holdUntil: null,
    claimedBy: null,
    claimUntil: null,
    lastStatus: 200,
    lastError: null,
    lastAttemptAt: new Date(T - 59_000),
    deliveredAt: new Date(T - 59_000),
    createdAt: new Date(T - 60_000),
    ...change,
  };
}

async function refusal(
  promise: Promise<unknown>,
): Promise<{ status: number; fields: string[] } | 'resolved'> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { status: error.status, fields: (error.options.errors ?? []).map((e) => e.field) };
  }
}

describe.each(migratedEngines)(`${DeliveriesService.name} on %s`, (_engine, open) => {
  let handle: MigratedDatabase;
  let clock: FakeClock;
  let sender: DeliverySender;
  let deliveries: DeliveriesRepository;
  let subscriptions: SubscriptionsService;
  let events: WebhookEventStore;
  let service: DeliveriesService;

  beforeAll(async () => {
    handle = await open('deliveries-service');
    sender = new DeliverySender();
  });

  afterAll(async () => {
    await sender.onApplicationShutdown();
    await handle?.close();
  });

  beforeEach(async () => {
    for (const table of ['webhook_deliveries', 'webhook_subscriptions', 'webhook_events'])
      await handle.dataSource.query(`DELETE FROM ${table}`);
    await handle.dataSource.query('DELETE FROM audit_events');
    const dataSource = handle.dataSource;
    // An operator command's configuration: the worker delivers nothing (nudges are no-ops).
    const config = loadConfig(
      { WEBHOOK_DESTINATIONS: 'http://127.0.0.1', WEBHOOK_RETRY_WINDOW_SECONDS: '60' },
      { role: 'cli' },
    );
    clock = new FakeClock(T);
    const secrets = new SubscriptionSecrets(new EncryptionService(randomBytes(32)));
    const audit = new AuditService(
      new AuditRepository(dataSource.getRepository(AuditEventEntity)),
      clock,
    );
    const access = new AccessPolicy(
      new FixedOwners(
        new Map([
          [MEETING, 'app-a'],
          [OTHER_MEETING, 'app-b'],
        ]),
      ),
      FixedApps.of(appA, appB),
    );
    const repository = new SubscriptionsRepository(dataSource);
    deliveries = new DeliveriesRepository(dataSource);
    subscriptions = new SubscriptionsService(config, clock, repository, secrets, audit, access);
    events = new WebhookEventStore(dataSource, clock);
    const worker = new DeliveryWorker(
      config,
      clock,
      deliveries,
      repository,
      secrets,
      sender,
      access,
      new SubscriberBreakers(),
      new DeliveryMetrics(clock, deliveries, repository, new MetricsService()),
    );
    worker.onApplicationBootstrap();
    const fanOut = new EventFanOut(config, clock, repository, access);
    service = new DeliveriesService(
      config,
      clock,
      deliveries,
      subscriptions,
      events,
      fanOut,
      worker,
      audit,
    );
  });

  const subscribe = async (caller: AuthenticatedCaller, patterns = ['meeting.*']) =>
    (await subscriptions.create(caller, { url: 'http://127.0.0.1/hook', events: patterns })).id;

  it('pages an app’s deliveries newest first with a cursor, leaving out held ones and other apps’', async () => {
    const mine = await subscribe(appA);
    const theirs = await subscribe(appB);
    const rows = [0, 1, 2, 2, 3].map((i) =>
      delivery(mine, { createdAt: new Date(T - 10_000 + i * 1_000) }),
    );
    // Read before the insert: on SQLite, TypeORM merges the rows it reads back after a
    // multi-row insert into the objects out of order (ids swapped), so only ids read first hold.
    const expected = [...rows]
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
      .map((row) => row.id);
    await deliveries.insert([
      ...rows,
      delivery(mine, { createdAt: new Date(T), holdUntil: new Date(T + 5_000) }),
      delivery(theirs, { app: 'app-b', createdAt: new Date(T) }),
    ]);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const answer = await service.list(appA, { limit: 2, cursor });
      seen.push(...answer.deliveries.map((view) => view.id));
      if (answer.nextCursor === null) break;
      cursor = answer.nextCursor;
    }
    expect(seen).toEqual(expected);
    expect((await service.list(admin, { limit: 10 })).deliveries.length).toBe(6);
    expect((await service.list(appA, { limit: 10, subscription: mine })).deliveries.length).toBe(5);
  });

  it('shows a delivery with ISO times, and no next attempt unless pending', async () => {
    const mine = await subscribe(appA);
    const row = delivery(mine);
    await deliveries.insert([row]);
    const [view] = (await service.list(appA, { limit: 1 })).deliveries;
    expect(view).toEqual({
      id: row.id,
      subscriptionId: mine,
      app: 'app-a',
      eventId: 'e'.repeat(64),
      event: 'meeting.updated',
      meetingId: MEETING,
      eventAt: new Date(T - 60_000).toISOString(),
      status: 'delivered',
      attempts: 1,
      nextAttemptAt: null,
      retryUntil: new Date(T + 86_400_000).toISOString(),
      lastStatus: 200,
      lastError: null,
      lastAttemptAt: new Date(T - 59_000).toISOString(),
      deliveredAt: new Date(T - 59_000).toISOString(),
      createdAt: new Date(T - 60_000).toISOString(),
    });
  });

  it('refuses another app’s subscription (404) and a cursor it did not give (400 naming cursor)', async () => {
    const theirs = await subscribe(appB);
    expect(await refusal(service.list(appA, { limit: 5, subscription: theirs }))).toEqual({
      status: 404,
      fields: [],
    });
    for (const cursor of ['not-a-cursor', Buffer.from('{"t":"x"}').toString('base64url')])
      expect(await refusal(service.list(appA, { limit: 5, cursor }))).toEqual({
        status: 400,
        fields: ['cursor'],
      });
  });

  it('sends a failed delivery again with a fresh window and audits it; anything else is 409', async () => {
    const mine = await subscribe(appA);
    const failed = delivery(mine, { status: 'failed', lastStatus: 500, deliveredAt: null });
    const delivered = delivery(mine);
    for (const row of [failed, delivered]) await deliveries.insert([row]);
    clock.advance(1_000);
    const view = await service.retry(appA, failed.id);
    expect([view.status, view.nextAttemptAt, view.retryUntil]).toEqual([
      'pending',
      new Date(T + 1_000).toISOString(),
      new Date(T + 61_000).toISOString(),
    ]);
    expect(await refusal(service.retry(appA, failed.id))).toEqual({ status: 409, fields: [] });
    expect(await refusal(service.retry(appA, delivered.id))).toEqual({ status: 409, fields: [] });
    const rows = await handle.dataSource
      .getRepository(AuditEventEntity)
      .findBy({ action: 'webhook_delivery.retried' });
    expect(rows.map((row) => [row.actor, row.target, row.details])).toEqual([
      ['app-a', failed.id, JSON.stringify({ subscription: mine, event: 'meeting.updated' })],
    ]);
  });

  it('answers 404 to a retry of another app’s or a held delivery, which an admin may retry', async () => {
    const theirs = await subscribe(appB);
    const failed = delivery(theirs, { app: 'app-b', status: 'failed' });
    const held = delivery(theirs, { app: 'app-b', status: 'failed', holdUntil: new Date(T) });
    for (const row of [failed, held]) await deliveries.insert([row]);
    expect(await refusal(service.retry(appA, failed.id))).toEqual({ status: 404, fields: [] });
    expect(await refusal(service.retry(admin, held.id))).toEqual({ status: 404, fields: [] });
    expect((await service.retry(admin, failed.id)).status).toBe('pending');
  });

  it('replays the stored events since a time that the subscription matches and its app may see', async () => {
    const mine = await subscribe(appA, ['meeting.*']);
    const store = async (at: number, event: string, meetingId: string | null) => {
      clock.set(at);
      const id = randomBytes(32).toString('hex');
      await events.claim({ id, event, meetingId, body: `{"event":"${event}"}`, eventAt: at - 5 });
      return id;
    };
    await store(T - 60_000, 'meeting.started', MEETING);
    const started = await store(T - 3_000, 'meeting.started', MEETING);
    await store(T - 2_000, 'recording.completed', MEETING);
    await store(T - 1_500, 'meeting.updated', OTHER_MEETING);
    const ended = await store(T - 1_000, 'meeting.ended', MEETING);
    clock.set(T);
    const since = new Date(T - 10_000);
    expect(await service.replay(appA, mine, since)).toEqual({ queued: 2 });
    const { deliveries: views } = await service.list(appA, { limit: 10 });
    expect(
      views
        .sort((a, b) => a.eventAt.localeCompare(b.eventAt))
        .map((view) => [view.eventId, view.status, view.eventAt]),
    ).toEqual([
      [started, 'pending', new Date(T - 3_005).toISOString()],
      [ended, 'pending', new Date(T - 1_005).toISOString()],
    ]);
    const [audited] = await handle.dataSource
      .getRepository(AuditEventEntity)
      .findBy({ action: 'webhook_subscription.replayed' });
    expect(audited?.details).toBe(JSON.stringify({ since: since.toISOString(), queued: 2 }));
    const theirs = await subscribe(appB);
    expect(await refusal(service.replay(appA, theirs, since))).toEqual({ status: 404, fields: [] });
  });
});
