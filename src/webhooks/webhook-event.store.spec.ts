import { FakeClock } from '../common/testing/fake-clock.js';
import type { MigratedDatabase } from '../database/testing/migrated-database.js';
import { migratedEngines } from '../database/testing/migrated-engines.js';
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

  beforeEach(async () => {
    await handle.dataSource.query('DELETE FROM webhook_events');
    clock = new FakeClock(Date.UTC(2025, 10, 28, 12, 0, 0));
    store = new WebhookEventStore(handle.dataSource, clock);
  });

  it('claims a new event once and refuses the same id the second time', async () => {
    const event = { id: 'a'.repeat(64), event: 'meeting.deleted', meetingId: '85746065432' };
    await expect(store.claim(event)).resolves.toBe(true);
    await expect(store.claim(event)).resolves.toBe(false);
    await expect(store.claim({ ...event, event: 'meeting.updated' })).resolves.toBe(false);
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
    const results = await Promise.all(Array.from({ length: 25 }, () => store.claim(event)));
    expect(results.filter(Boolean).length).toBe(1);
  });

  it('records how processing ended without freeing the id', async () => {
    const event = { id: 'c'.repeat(64), event: 'meeting.updated', meetingId: '1' };
    await store.claim(event);
    clock.advance(1500);
    await store.complete(event.id, 'ignored', 'unknown meeting');
    const row = await store.find(event.id);
    expect(row).toMatchObject({
      status: 'ignored',
      detail: 'unknown meeting',
    });
    expect(row?.processedAt?.getTime()).toBe(clock.now());
    await expect(store.claim(event)).resolves.toBe(false);
  });

  it('counts events received long ago that never completed', async () => {
    await store.claim({ id: 'd'.repeat(64), event: 'meeting.deleted', meetingId: '1' });
    await store.claim({ id: 'e'.repeat(64), event: 'meeting.deleted', meetingId: '2' });
    await store.complete('e'.repeat(64), 'processed');
    clock.advance(60_000);
    await store.claim({ id: 'f'.repeat(64), event: 'meeting.deleted', meetingId: '3' });
    await expect(store.countUnfinished(clock.now() - 30_000)).resolves.toBe(1);
  });

  it('prunes only the events received before the cutoff', async () => {
    await store.claim({ id: '1'.repeat(64), event: 'meeting.deleted', meetingId: '1' });
    clock.advance(10_000);
    await store.claim({ id: '2'.repeat(64), event: 'meeting.deleted', meetingId: '2' });
    await expect(store.prune(clock.now() - 5_000)).resolves.toBe(1);
    await expect(store.find('1'.repeat(64))).resolves.toBeNull();
    await expect(store.find('2'.repeat(64))).resolves.not.toBeNull();
    // A pruned id is new again: pruning must keep rows for longer than Zoom retries (about 85 min).
    await expect(
      store.claim({ id: '1'.repeat(64), event: 'meeting.deleted', meetingId: '1' }),
    ).resolves.toBe(true);
  });
});
