import { FixedApps, FixedOwners } from '../access/testing/fixed-ports.js';
import { SchedulerRegistry } from '@nestjs/schedule';
import { createHmac, randomBytes } from 'node:crypto';
import { AccessPolicy } from '../access/access-policy.service.js';
import { EncryptionService } from '../common/crypto/encryption.service.js';
import { DeliveriesRepository } from './delivery/deliveries.repository.js';
import { DeliveryMetrics } from './delivery/delivery-metrics.js';
import { DeliverySender } from './delivery/delivery-sender.js';
import { DeliveryWorker } from './delivery/delivery-worker.service.js';
import { EventFanOut } from './delivery/event-fan-out.js';
import { SubscriberBreakers } from './delivery/subscriber-breakers.js';
import { SubscriptionSecrets } from './subscriptions/subscription-secrets.js';
import { SubscriptionsRepository } from './subscriptions/subscriptions.repository.js';
import type { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/errors/index.js';
import { loadConfig } from '../config/app-config.js';
import { JobsService } from '../coordination/jobs.service.js';
import { LeaseService } from '../coordination/lease.service.js';
import { type MigratedSqlite, migratedSqlite } from '../database/testing/migrated-sqlite.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type {
  MeetingRecordsPort,
  ZoomMeetingObject,
  ZoomMeetingUpdate,
} from './meeting-records.port.js';
import { ZoomReadCache } from '../zoom/cache/zoom-read-cache.js';
import { WebhookEventProcessor } from './webhook-event.processor.js';
import { WebhookEventStore } from './events/webhook-event.store.js';
import { ACK_BUDGET_MS, retentionCutoff, WebhooksService } from './webhooks.service.js';

const SECRET = 'unit-webhook-secret';

/** The meeting records as far as webhooks see them: known Zoom ids, and what was done to them. */
class RecordedMeetings implements MeetingRecordsPort {
  readonly known = new Set<string>(['85746065432']);
  readonly calls: string[] = [];
  async markDeletedByZoom(id: string, reason: string): Promise<boolean> {
    this.calls.push(`deleted ${id}: ${reason}`);
    return this.known.delete(id);
  }
  async applyZoomUpdate(id: string, fields: ZoomMeetingUpdate): Promise<boolean> {
    this.calls.push(`updated ${id}: ${JSON.stringify(fields)}`);
    return this.known.has(id);
  }
  async adoptFromZoom(meeting: ZoomMeetingObject): Promise<boolean> {
    this.calls.push(`adopted ${meeting.id}`);
    return true;
  }
}

function signedHeaders(body: string, at = Date.now(), secret = SECRET) {
  const timestamp = String(Math.floor(at / 1000));
  const hash = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'x-zm-request-timestamp': timestamp, 'x-zm-signature': `v0=${hash}` };
}

async function until(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

async function refusal(
  promise: Promise<unknown>,
): Promise<{ status: number; code: string } | 'resolved'> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    if (error instanceof DomainError) return { status: error.status, code: error.code };
    throw error;
  }
}

describe(WebhooksService.name, () => {
  let database: MigratedSqlite;
  let dataSource: DataSource;
  let store: WebhookEventStore;
  let records: RecordedMeetings;
  let metrics: MetricsService;

  function service(
    env: NodeJS.ProcessEnv = { ZOOM_WEBHOOK_SECRET_TOKEN: SECRET },
    eventStore: WebhookEventStore = store,
  ) {
    const config = loadConfig(env);
    const clock = new Clock();
    // The delivery side is real, on the same database, with no subscription: nothing to send.
    const access = new AccessPolicy(new FixedOwners(), FixedApps.of());
    const subscriptions = new SubscriptionsRepository(dataSource);
    const deliveries = new DeliveriesRepository(dataSource);
    const worker = new DeliveryWorker(
      config,
      clock,
      deliveries,
      subscriptions,
      new SubscriptionSecrets(new EncryptionService(randomBytes(32))),
      new DeliverySender(),
      access,
      new SubscriberBreakers(),
      new DeliveryMetrics(clock, deliveries, subscriptions, metrics),
    );
    return new WebhooksService(
      config,
      clock,
      eventStore,
      new WebhookEventProcessor(config, records, new ZoomReadCache(config, metrics)),
      new JobsService(config, new LeaseService(null, config, clock), new SchedulerRegistry()),
      new EventFanOut(config, clock, subscriptions, access),
      worker,
      deliveries,
      metrics,
    );
  }

  beforeAll(async () => {
    database = await migratedSqlite('webhooks');
    dataSource = database.dataSource;
  });

  afterAll(async () => {
    await database.close();
  });

  beforeEach(async () => {
    await dataSource.query('DELETE FROM webhook_events');
    store = new WebhookEventStore(dataSource, new Clock());
    records = new RecordedMeetings();
    metrics = new MetricsService();
  });

  const deleted = JSON.stringify({
    event: 'meeting.deleted',
    payload: {
      account_id: 'acc',
      operator: 'admin@example.com',
      object: { id: 85746065432, uuid: 'u1', topic: 'Standup' },
    },
    event_ts: 1764331200123,
  });

  it('answers 404 webhooks_disabled without a secret token, whatever the request', async () => {
    const webhooks = service({});
    await expect(
      refusal(webhooks.receive(Buffer.from(deleted), signedHeaders(deleted))),
    ).resolves.toEqual({
      status: 404,
      code: 'webhooks_disabled',
    });
  });

  it('refuses forged, missing and stale signatures with 401 and records nothing', async () => {
    const webhooks = service();
    const stale = signedHeaders(deleted, Date.now() - 6 * 60_000);
    for (const headers of [signedHeaders(deleted, Date.now(), 'forged'), {}, stale]) {
      await expect(refusal(webhooks.receive(Buffer.from(deleted), headers))).resolves.toEqual({
        status: 401,
        code: 'invalid_signature',
      });
    }
    await expect(dataSource.query('SELECT COUNT(*) AS n FROM webhook_events')).resolves.toEqual([
      { n: 0 },
    ]);
    expect(records.calls).toEqual([]);
    const failures = await metrics.registry.getSingleMetricAsString(
      'zoom_webhook_signature_failures_total',
    );
    expect(failures).toMatch(/reason="mismatch"} 1/);
    expect(failures).toMatch(/reason="missing_signature"} 1/);
    expect(failures).toMatch(/reason="stale_timestamp"} 1/);
  });

  it('answers endpoint.url_validation with the plain token and its HMAC under the secret', async () => {
    const body = JSON.stringify({
      payload: { plainToken: 'qgg8vlvZRS6UYooatFL8Aw' },
      event_ts: 1,
      event: 'endpoint.url_validation',
    });
    await expect(service().receive(Buffer.from(body), signedHeaders(body))).resolves.toEqual({
      plainToken: 'qgg8vlvZRS6UYooatFL8Aw',
      encryptedToken: createHmac('sha256', SECRET).update('qgg8vlvZRS6UYooatFL8Aw').digest('hex'),
    });
  });

  it.each([
    ['bad JSON', '{"event":', 'validation_failed'],
    ['an array', '[1,2]', 'validation_failed'],
    ['no event name', '{"payload":{}}', 'validation_failed'],
    [
      'a url_validation without plainToken',
      '{"event":"endpoint.url_validation","payload":{}}',
      'validation_failed',
    ],
  ])('answers a signed body with %s with 400', async (_name, body, code) => {
    await expect(
      refusal(service().receive(Buffer.from(body), signedHeaders(body))),
    ).resolves.toEqual({ status: 400, code });
  });

  it('processes an event once: the replayed delivery is answered but changes nothing', async () => {
    const webhooks = service();
    await expect(webhooks.receive(Buffer.from(deleted), signedHeaders(deleted))).resolves.toEqual({
      status: 'accepted',
      event: 'meeting.deleted',
    });
    await until(() => records.calls.length === 1);
    await expect(webhooks.receive(Buffer.from(deleted), signedHeaders(deleted))).resolves.toEqual({
      status: 'duplicate',
      event: 'meeting.deleted',
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(records.calls).toEqual([
      'deleted 85746065432: deleted in Zoom by admin@example.com (webhook)',
    ]);
    const [row] = await dataSource.query('SELECT status FROM webhook_events');
    expect(row).toEqual({ status: 'processed' });
  });

  it('keeps an int64 meeting id above 2^53 exact', async () => {
    const body =
      '{"event":"meeting.deleted","payload":{"object":{"id":9007199254740993123,"topic":"x"}},"event_ts":5}';
    await service().receive(Buffer.from(body), signedHeaders(body));
    await until(() => records.calls.length === 1);
    expect(records.calls[0]).toMatch(/^deleted 9007199254740993123:/);
  });

  it('records an event about an unknown meeting as ignored', async () => {
    const body = deleted.replace('85746065432', '11111111111');
    await service().receive(Buffer.from(body), signedHeaders(body));
    await until(() => records.calls.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    const [row] = await dataSource.query('SELECT status, detail FROM webhook_events');
    expect(row).toEqual({
      status: 'ignored',
      detail: 'unknown meeting or already deleted',
    });
  });

  it('passes only the kept fields of meeting.updated, and ignores meeting.created unless adoption is on', async () => {
    const updated = JSON.stringify({
      event: 'meeting.updated',
      payload: {
        object: {
          id: 85746065432,
          topic: 'New',
          duration: 45,
          start_time: '2025-12-01T10:00:00Z',
          agenda: 'x',
        },
      },
      event_ts: 7,
    });
    const created = JSON.stringify({
      event: 'meeting.created',
      payload: { object: { id: 22222222222, topic: 'Outside' } },
      event_ts: 8,
    });
    const webhooks = service();
    await webhooks.receive(Buffer.from(updated), signedHeaders(updated));
    await webhooks.receive(Buffer.from(created), signedHeaders(created));
    await until(() => records.calls.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(records.calls).toEqual([
      'updated 85746065432: {"topic":"New","start_time":"2025-12-01T10:00:00Z","duration":45}',
    ]);
  });

  it('answers 503 within the budget while the database is slow, never acknowledging what is not stored', async () => {
    class SlowStore extends WebhookEventStore {
      override async claim(...args: Parameters<WebhookEventStore['claim']>): Promise<boolean> {
        await new Promise((r) => setTimeout(r, ACK_BUDGET_MS + 1_000));
        return super.claim(...args);
      }
    }
    const webhooks = service(undefined, new SlowStore(dataSource, new Clock()));
    const started = Date.now();
    expect(await refusal(webhooks.receive(Buffer.from(deleted), signedHeaders(deleted)))).toEqual({
      status: 503,
      code: 'service_unavailable',
    });
    expect(Date.now() - started).toBeLessThan(ACK_BUDGET_MS + 500);
    expect(records.calls).toEqual([]);
    // The store landed late: the event is processed then, and Zoom's retry is a duplicate.
    await until(() => records.calls.length === 1, 3_000);
    expect(records.calls.length).toBe(1);
    const retried = service();
    expect(await retried.receive(Buffer.from(deleted), signedHeaders(deleted))).toEqual({
      status: 'duplicate',
      event: 'meeting.deleted',
    });
  });

  it('refuses an event larger than what is stored with 413, and bytes that are not UTF-8 with 400', async () => {
    const webhooks = service();
    const large = JSON.stringify({
      event: 'meeting.updated',
      payload: { pad: 'x'.repeat(300_000) },
    });
    expect(await refusal(webhooks.receive(Buffer.from(large), signedHeaders(large)))).toEqual({
      status: 413,
      code: 'payload_too_large',
    });
    const bytes = Buffer.concat([
      Buffer.from('{"event":"meeting.updated","payload":{"t":"'),
      Buffer.from([0xff]),
      Buffer.from('"}}'),
    ]);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const hash = createHmac('sha256', SECRET)
      .update(`v0:${timestamp}:`)
      .update(bytes)
      .digest('hex');
    expect(
      await refusal(
        webhooks.receive(bytes, {
          'x-zm-request-timestamp': timestamp,
          'x-zm-signature': `v0=${hash}`,
        }),
      ),
    ).toEqual({ status: 400, code: 'validation_failed' });
    const stored: unknown[] = await dataSource.query('SELECT id FROM webhook_events');
    expect(stored).toEqual([]);
  });

  it('answers 503 (Zoom retries) when the database refuses the event id', async () => {
    class BrokenStore extends WebhookEventStore {
      override claim(): Promise<boolean> {
        return Promise.reject(new Error('connection refused'));
      }
    }
    const webhooks = service(undefined, new BrokenStore(dataSource, new Clock()));
    await expect(
      refusal(webhooks.receive(Buffer.from(deleted), signedHeaders(deleted))),
    ).resolves.toEqual({
      status: 503,
      code: 'service_unavailable',
    });
    expect(records.calls).toEqual([]);
  });
});

describe(retentionCutoff.name, () => {
  it('keeps webhook event ids for WEBHOOK_EVENTS_RETENTION_DAYS', () => {
    const now = Date.parse('2026-03-10T12:00:00Z');
    expect(retentionCutoff(now, 7)).toBe(Date.parse('2026-03-03T12:00:00Z'));
    expect(retentionCutoff(now, 1)).toBe(Date.parse('2026-03-09T12:00:00Z'));
  });

  it('reads the retention from the configuration', () => {
    const config = loadConfig({ WEBHOOK_EVENTS_RETENTION_DAYS: '30' });
    expect(config.webhookEventsRetentionDays).toBe(30);
  });
});
