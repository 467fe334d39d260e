import { FixedApps, FixedOwners } from '../../access/testing/fixed-ports.js';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import { AccessPolicy } from '../../access/access-policy.service.js';
import { Clock } from '../../common/clock.js';
import { EncryptionService } from '../../common/crypto/encryption.service.js';
import { loadConfig } from '../../config/app-config.js';
import { DEFAULT_APP_GRANTS } from '../../config/grants.js';
import type { MigratedDatabase } from '../../database/testing/migrated-database.js';
import { migratedEngines } from '../../database/testing/migrated-engines.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { WebhookDeliveryEntity } from '../events/webhook-delivery.entity.js';
import { WebhookEventEntity } from '../events/webhook-event.entity.js';
import { SubscriptionSecrets } from '../subscriptions/subscription-secrets.js';
import { SubscriptionsRepository } from '../subscriptions/subscriptions.repository.js';
import { WebhookSubscriptionEntity } from '../subscriptions/webhook-subscription.entity.js';
import { DeliveriesRepository } from './deliveries.repository.js';
import { DeliveryMetrics } from './delivery-metrics.js';
import { DeliverySender } from './delivery-sender.js';
import { DeliveryWorker } from './delivery-worker.service.js';
import { SubscriberBreakers } from './subscriber-breakers.js';

const MEETING = '85746065432';
const BODY =
  '{"event":"meeting.updated","event_ts":1764331200123,"payload":{"account_id":"acc",  "object":{"id":85746065432,"topic":"Caf\u00e9 \u2615 \\u00e9"}}}';

/** A subscriber on 127.0.0.1: records each request, then answers as `answer` says (or never). */
class Subscriber {
  readonly received: { path: string; headers: IncomingHttpHeaders; body: Buffer }[] = [];
  readonly server: Server;
  url = '';

  constructor(answer: (response: ServerResponse, count: number) => void) {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        this.received.push({ path: request.url ?? '', headers: request.headers, body });
        answer(response, this.received.length);
      });
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('not on a port');
    this.url = `http://127.0.0.1:${address.port}/hook`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const status =
  (code: number, text = '') =>
  (response: ServerResponse) =>
    response.writeHead(code).end(text);

async function until(condition: () => boolean | Promise<boolean>, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Zoom's documented check: `v0=` + hex HMAC-SHA256(secret token, `v0:{timestamp}:{raw body}`). */
function zoomVerifies(secret: string, headers: IncomingHttpHeaders, raw: Buffer, name: string) {
  const message = Buffer.concat([
    Buffer.from(`v0:${String(headers['x-zm-request-timestamp'])}:`),
    raw,
  ]);
  return headers[name] === `v0=${createHmac('sha256', secret).update(message).digest('hex')}`;
}

describe.each(migratedEngines)(`${DeliveryWorker.name} on %s`, (_engine, open) => {
  let handle: MigratedDatabase;
  let secrets: SubscriptionSecrets;
  let owners: FixedOwners;
  let worker: DeliveryWorker | undefined;
  let sender: DeliverySender;
  const subscribers: Subscriber[] = [];

  beforeAll(async () => {
    handle = await open('delivery-worker');
    secrets = new SubscriptionSecrets(new EncryptionService(randomBytes(32)));
  });

  afterAll(async () => {
    await handle?.close();
  });

  beforeEach(async () => {
    for (const table of ['webhook_deliveries', 'webhook_subscriptions', 'webhook_events'])
      await handle.dataSource.query(`DELETE FROM ${table}`);
    owners = new FixedOwners();
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    // Hung receivers' connections end first, so the attempts still running settle at once.
    await Promise.all(subscribers.splice(0).map((subscriber) => subscriber.close()));
    await worker?.beforeApplicationShutdown();
    await sender?.onApplicationShutdown();
    worker = undefined;
  });

  function startWorker(): void {
    const dataSource = handle.dataSource;
    const config = loadConfig({ REPLICA_ID: 'replica-test' });
    const clock = new Clock();
    const deliveries = new DeliveriesRepository(dataSource);
    const subscriptions = new SubscriptionsRepository(dataSource);
    sender = new DeliverySender();
    worker = new DeliveryWorker(
      config,
      clock,
      deliveries,
      subscriptions,
      secrets,
      sender,
      new AccessPolicy(
        owners,
        // Every app named `app-…` holds a live key with the default grants (meetings, own).
        new FixedApps((name) =>
          name.startsWith('app-') ? { name, admin: false, grants: DEFAULT_APP_GRANTS } : undefined,
        ),
      ),
      new SubscriberBreakers(),
      new DeliveryMetrics(clock, deliveries, subscriptions, new MetricsService()),
    );
    worker.onApplicationBootstrap();
  }

  async function subscribe(
    url: string,
    secret: string,
    change: Partial<WebhookSubscriptionEntity> = {},
  ): Promise<WebhookSubscriptionEntity> {
    const id = randomUUID();
    const now = new Date();
    const row: WebhookSubscriptionEntity = {
      id,
      app: 'app-a',
      url,
      events: '["meeting.*"]',
      description: null,
      pausedAt: null,
      secret: secrets.seal(id, secret),
      nextSecret: null,
      secretSwitchAt: null,
      failingSince: null,
      lastSuccessAt: null,
      createdAt: now,
      updatedAt: now,
      ...change,
    };
    await handle.dataSource.getRepository(WebhookSubscriptionEntity).insert(row);
    return row;
  }

  async function storeEvent(body = BODY): Promise<string> {
    const id = randomBytes(32).toString('hex');
    await handle.dataSource.getRepository(WebhookEventEntity).insert({
      id,
      event: 'meeting.updated',
      meetingId: MEETING,
      status: 'processed',
      detail: null,
      receivedAt: new Date(),
      processedAt: new Date(),
      body,
      eventAt: new Date(),
    });
    return id;
  }

  async function queue(
    subscription: WebhookSubscriptionEntity,
    change: Partial<WebhookDeliveryEntity> = {},
  ): Promise<string> {
    const now = Date.now();
    const id = randomUUID();
    await handle.dataSource.getRepository(WebhookDeliveryEntity).insert({
      id,
      subscriptionId: subscription.id,
      app: subscription.app,
      eventId: change.eventId ?? (await storeEvent()),
      event: 'meeting.updated',
      meetingId: MEETING,
      eventAt: new Date(now),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: new Date(now),
      retryUntil: new Date(now + 86_400_000),
      holdUntil: null,
      claimedBy: null,
      claimUntil: null,
      lastStatus: null,
      lastError: null,
      lastAttemptAt: null,
      deliveredAt: null,
      createdAt: new Date(now),
      ...change,
    });
    return id;
  }

  const row = (id: string) =>
    handle.dataSource.getRepository(WebhookDeliveryEntity).findOneBy({ id });
  const subscriptionRow = (id: string) =>
    handle.dataSource.getRepository(WebhookSubscriptionEntity).findOneBy({ id });

  async function receiver(answer: (response: ServerResponse, count: number) => void) {
    const subscriber = new Subscriber(answer);
    subscribers.push(subscriber);
    await subscriber.listen();
    return subscriber;
  }

  it('POSTs the stored bytes, signed so that Zoom’s check with the subscription secret verifies', async () => {
    const subscriber = await receiver(status(204));
    const subscription = await subscribe(subscriber.url, 'the-subscription-secret');
    const eventId = await storeEvent();
    const id = await queue(subscription, { eventId });
    startWorker();
    await until(() => subscriber.received.length === 1);
    const [request] = subscriber.received;
    if (!request) throw new Error('nothing received');
    expect(request.path).toBe('/hook');
    expect(request.body.equals(Buffer.from(BODY, 'utf8'))).toBe(true);
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(request.headers['x-zoom-gateway-delivery']).toBe(id);
    expect(request.headers['x-zoom-gateway-event']).toBe(eventId);
    expect(
      zoomVerifies('the-subscription-secret', request.headers, request.body, 'x-zm-signature'),
    ).toBe(true);
    expect(zoomVerifies('another-secret', request.headers, request.body, 'x-zm-signature')).toBe(
      false,
    );
    const sentAt = Number(request.headers['x-zm-request-timestamp']) * 1000;
    expect(Math.abs(Date.now() - sentAt)).toBeLessThan(5_000);
    expect(request.headers['x-zoom-gateway-signature-next']).toBeUndefined();
    await until(async () => (await row(id))?.status === 'delivered');
    const delivered = await row(id);
    expect([delivered?.attempts, delivered?.lastStatus, delivered?.claimedBy]).toEqual([
      1,
      204,
      null,
    ]);
    expect(delivered?.deliveredAt).not.toBeNull();
    await until(async () => (await subscriptionRow(subscription.id))?.lastSuccessAt !== null);
  });

  it('signs with the old secret and adds the new one’s signature during a rotation’s overlap', async () => {
    const subscriber = await receiver(status(200));
    const subscription = await subscribe(subscriber.url, 'old-secret');
    await handle.dataSource.getRepository(WebhookSubscriptionEntity).update(
      { id: subscription.id },
      {
        nextSecret: secrets.seal(subscription.id, 'new-secret'),
        secretSwitchAt: new Date(Date.now() + 3_600_000),
      },
    );
    await queue(subscription);
    startWorker();
    await until(() => subscriber.received.length === 1);
    const [request] = subscriber.received;
    if (!request) throw new Error('nothing received');
    expect(zoomVerifies('old-secret', request.headers, request.body, 'x-zm-signature')).toBe(true);
    expect(
      zoomVerifies('new-secret', request.headers, request.body, 'x-zoom-gateway-signature-next'),
    ).toBe(true);
  });

  it('delivers on the third attempt to a receiver answering 500 twice, with the same delivery id each time', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const subscriber = await receiver((response, count) =>
      count <= 2
        ? response.writeHead(500).end('try   again\nlater')
        : response.writeHead(200).end(),
    );
    const subscription = await subscribe(subscriber.url, 's');
    const id = await queue(subscription);
    startWorker();
    await until(async () => (await row(id))?.attempts === 2);
    const failing = await row(id);
    expect([failing?.status, failing?.lastStatus, failing?.lastError]).toEqual([
      'pending',
      500,
      'try again later',
    ]);
    expect((await subscriptionRow(subscription.id))?.failingSince).not.toBeNull();
    await until(async () => (await row(id))?.status === 'delivered', 5_000);
    const delivered = await row(id);
    expect([delivered?.attempts, delivered?.lastStatus, delivered?.lastError]).toEqual([
      3,
      200,
      null,
    ]);
    expect(
      subscriber.received.map((request) => request.headers['x-zoom-gateway-delivery']),
    ).toEqual([id, id, id]);
    await until(async () => (await subscriptionRow(subscription.id))?.failingSince === null);
  });

  it('counts a 302 as a failed attempt and never follows it', async () => {
    const subscriber = await receiver((response) =>
      response.writeHead(302, { location: '/elsewhere' }).end(),
    );
    const subscription = await subscribe(subscriber.url, 's');
    // Its retry window is over: one attempt, then failed for good.
    const id = await queue(subscription, { retryUntil: new Date(Date.now() - 1) });
    startWorker();
    await until(async () => (await row(id))?.status === 'failed');
    const failed = await row(id);
    expect([failed?.attempts, failed?.lastStatus]).toEqual([1, 302]);
    await pause(100);
    expect(subscriber.received.map((request) => request.path)).toEqual(['/hook']);
  });

  it('delivers to another subscription within a second while a hung receiver holds only its own share', async () => {
    const hung = await receiver(() => undefined);
    const quick = await receiver(status(200));
    const stuck = await subscribe(hung.url, 'h');
    const other = await subscribe(quick.url, 'q');
    const waiting: string[] = [];
    for (let meeting = 1; meeting <= 6; meeting++)
      waiting.push(
        await queue(stuck, {
          meetingId: String(meeting),
          nextAttemptAt: new Date(Date.now() - 1_000),
        }),
      );
    const started = Date.now();
    const id = await queue(other);
    startWorker();
    await until(() => quick.received.length === 1, 1_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    await until(async () => (await row(id))?.status === 'delivered', 1_000);
    // At most four attempts at a time per subscription: the other two wait unclaimed.
    await pause(600);
    expect(hung.received.length).toBe(4);
    const rows = await Promise.all(waiting.map(row));
    expect(rows.map((r) => r?.status)).toEqual(Array(6).fill('pending'));
    expect(rows.filter((r) => r?.claimedBy === 'replica-test').length).toBe(4);
  });

  it('retries until its retry window ends, then fails the delivery for good and sends it no more', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const subscriber = await receiver(status(503, 'unavailable'));
    const subscription = await subscribe(subscriber.url, 's');
    const retryUntil = Date.now() + 1_500;
    const id = await queue(subscription, { retryUntil: new Date(retryUntil) });
    startWorker();
    await until(async () => (await row(id))?.status === 'failed', 4_000);
    const failed = await row(id);
    expect([failed?.lastStatus, failed?.lastError, failed?.claimedBy]).toEqual([
      503,
      'unavailable',
      null,
    ]);
    expect(failed?.attempts).toBe(subscriber.received.length);
    expect(subscriber.received.length).toBeGreaterThanOrEqual(2);
    // The last wait is cut short to end with the window: the last attempt is made at its end.
    expect(failed?.lastAttemptAt?.getTime() ?? 0).toBeGreaterThanOrEqual(retryUntil);
    await pause(700);
    expect(subscriber.received.length).toBe(failed?.attempts);
  });

  it('holds an own-app delivery until the app owns the meeting, then sends it', async () => {
    const subscriber = await receiver(status(200));
    const subscription = await subscribe(subscriber.url, 's', { app: 'app-own' });
    const id = await queue(subscription, { holdUntil: new Date(Date.now() + 5_000) });
    startWorker();
    await pause(700);
    expect(subscriber.received.length).toBe(0);
    const held = await row(id);
    expect(held?.status).toBe('pending');
    expect(held?.holdUntil).not.toBeNull();
    owners.owners.set(MEETING, 'app-own');
    await until(() => subscriber.received.length === 1, 2_000);
    await until(async () => (await row(id))?.status === 'delivered');
    expect((await row(id))?.holdUntil).toBeNull();
  });

  it('removes a held delivery unsent when another app owns the meeting', async () => {
    const subscriber = await receiver(status(200));
    const subscription = await subscribe(subscriber.url, 's', { app: 'app-own' });
    owners.owners.set(MEETING, 'app-other');
    const id = await queue(subscription, { holdUntil: new Date(Date.now() + 5_000) });
    startWorker();
    await until(async () => (await row(id)) === null, 2_000);
    expect(subscriber.received.length).toBe(0);
  });

  it('removes a held delivery unsent when its grace ends with no owner known', async () => {
    const subscriber = await receiver(status(200));
    const subscription = await subscribe(subscriber.url, 's', { app: 'app-own' });
    const id = await queue(subscription, { holdUntil: new Date(Date.now() + 300) });
    startWorker();
    await until(async () => (await row(id)) === null, 2_000);
    expect(subscriber.received.length).toBe(0);
  });

  it('removes a delivery whose event is gone, sending nothing', async () => {
    const subscriber = await receiver(status(200));
    const subscription = await subscribe(subscriber.url, 's');
    const id = await queue(subscription, { eventId: 'f'.repeat(64) });
    startWorker();
    await until(async () => (await row(id)) === null, 2_000);
    expect(subscriber.received.length).toBe(0);
  });
});
