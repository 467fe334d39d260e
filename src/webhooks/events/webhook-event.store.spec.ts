import { FakeClock } from '../../common/testing/fake-clock.js';
import type { MigratedDatabase } from '../../database/testing/migrated-database.js';
import { migratedEngines } from '../../database/testing/migrated-engines.js';
import type { WebhookDeliveryEntity } from './webhook-delivery.entity.js';
import { WebhookEventStore } from './webhook-event.store.js';

describe.each(migratedEngines)(`${WebhookEventStore.name} on %s`, (_engine, open) => {
  let handle: MigratedDatabase;
  let clock: FakeClock;
  let store: WebhookEventStore;

  beforeAll(async () => {
    handle = await open('webhook-events');
  });

  afterAll(async () => {
    await handle?.close();
  });

  const stored = (event: { id: string; event: string; meetingId: string | null }) => ({
    ...event,
    body: `{"event":"${event.event}","payload":{}}`,
    eventAt: clock.now() - 100,
  });

  const delivery = (id: string, eventId: string): WebhookDeliveryEntity => ({
    id,
    subscriptionId: '00000000-0000-4000-8000-000000000001',
    app: 'app-a',
    eventId,
    event: 'meeting.updated',
    meetingId: '1',
    eventAt: new Date(clock.now()),
    status: 'pending',
    attempts: 0,
    nextAttemptAt: new Date(clock.now()),
    retryUntil: new Date(clock.now() + 86_400_000),
    holdUntil: null,
    claimedBy: null,
    claimUntil: null,
    lastStatus: null,
    lastError: null,
    lastAttemptAt: null,
    deliveredAt: null,
    createdAt: new Date(clock.now()),
  });

  beforeEach(async () => {
    await handle.dataSource.query('DELETE FROM webhook_deliveries');
    await handle.dataSource.query('DELETE FROM webhook_events');
    clock = new FakeClock(Date.UTC(2025, 10, 28, 12, 0, 0));
    store = new WebhookEventStore(handle.dataSource, clock);
  });

  it('claims a new event once and refuses the same id the second time', async () => {
    const event = { id: 'a'.repeat(64), event: 'meeting.deleted', meetingId: '85746065432' };
    await expect(store.claim(stored(event))).resolves.toBe(true);
    await expect(store.claim(stored(event))).resolves.toBe(false);
    await expect(store.claim(stored({ ...event, event: 'meeting.updated' }))).resolves.toBe(false);
    const row = await store.find(event.id);
    expect(row).toMatchObject({
      event: 'meeting.deleted',
      meetingId: '85746065432',
      status: 'received',
      processedAt: null,
    });
    expect(row?.receivedAt.getTime()).toBe(clock.now());
  });

  it('lets exactly one of 25 concurrent claims of one event win', async () => {
    const event = { id: 'b'.repeat(64), event: 'meeting.deleted', meetingId: null };
    const results = await Promise.all(Array.from({ length: 25 }, () => store.claim(stored(event))));
    expect(results.filter(Boolean).length).toBe(1);
  });

  it('records how processing ended without freeing the id', async () => {
    const event = { id: 'c'.repeat(64), event: 'meeting.updated', meetingId: '1' };
    await store.claim(stored(event));
    clock.advance(1500);
    await store.complete(event.id, 'ignored', 'unknown meeting');
    const row = await store.find(event.id);
    expect(row).toMatchObject({
      status: 'ignored',
      detail: 'unknown meeting',
    });
    expect(row?.processedAt?.getTime()).toBe(clock.now());
    await expect(store.claim(stored(event))).resolves.toBe(false);
  });

  it('counts events received long ago that never completed', async () => {
    await store.claim(stored({ id: 'd'.repeat(64), event: 'meeting.deleted', meetingId: '1' }));
    await store.claim(stored({ id: 'e'.repeat(64), event: 'meeting.deleted', meetingId: '2' }));
    await store.complete('e'.repeat(64), 'processed');
    clock.advance(60_000);
    await store.claim(stored({ id: 'f'.repeat(64), event: 'meeting.deleted', meetingId: '3' }));
    await expect(store.countUnfinished(clock.now() - 30_000)).resolves.toBe(1);
  });

  it('prunes only the events received before the cutoff', async () => {
    await store.claim(stored({ id: '1'.repeat(64), event: 'meeting.deleted', meetingId: '1' }));
    clock.advance(10_000);
    await store.claim(stored({ id: '2'.repeat(64), event: 'meeting.deleted', meetingId: '2' }));
    await expect(store.prune(clock.now() - 5_000)).resolves.toBe(1);
    await expect(store.find('1'.repeat(64))).resolves.toBeNull();
    await expect(store.find('2'.repeat(64))).resolves.not.toBeNull();
    // A pruned id is new again: pruning must keep rows for longer than Zoom retries (about 85 min).
    await expect(
      store.claim(stored({ id: '1'.repeat(64), event: 'meeting.deleted', meetingId: '1' })),
    ).resolves.toBe(true);
  });

  it('stores the bytes, the event time and the deliveries together, and a repeat adds no delivery', async () => {
    const event = stored({ id: '3'.repeat(64), event: 'meeting.updated', meetingId: '1' });
    const first = '00000000-0000-4000-8000-00000000000a';
    await expect(store.claim(event, [delivery(first, event.id)])).resolves.toBe(true);
    await expect(
      store.claim(event, [delivery('00000000-0000-4000-8000-00000000000b', event.id)]),
    ).resolves.toBe(false);
    const row = await store.find(event.id);
    expect(row?.body).toBe(event.body);
    expect(row?.eventAt?.getTime()).toBe(event.eventAt);
    const ids: { id: string }[] = await handle.dataSource.query(
      'SELECT id FROM webhook_deliveries',
    );
    expect(ids.map((r) => r.id)).toEqual([first]);
  });

  it('keeps an old event while a delivery of it is pending, and lists events since a time in order', async () => {
    const old = stored({ id: '4'.repeat(64), event: 'meeting.updated', meetingId: '1' });
    await store.claim(old, [delivery('00000000-0000-4000-8000-00000000000c', old.id)]);
    clock.advance(1_000);
    await store.claim(stored({ id: '5'.repeat(64), event: 'meeting.deleted', meetingId: '1' }));
    clock.advance(10_000);
    await expect(store.prune(clock.now())).resolves.toBe(1);
    expect(await store.find(old.id)).not.toBeNull();
    const since = await store.eventsSince(new Date(clock.now() - 60_000), 10);
    expect(since.map((e) => e.id)).toEqual([old.id]);
  });
});
