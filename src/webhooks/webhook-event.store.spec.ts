import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createPostgresDatabase } from '../../test/support/services.js';
import { Clock } from '../common/clock.js';
import { buildDataSourceOptions } from '../database/database.options.js';
import { runMigrations } from '../database/migration-runner.js';
import { WebhookEventStore } from './webhook-event.store.js';

class ManualClock extends Clock {
  at = Date.UTC(2025, 10, 28, 12, 0, 0);
  override now(): number {
    return this.at;
  }
}

interface Backend {
  name: string;
  open(): Promise<{ dataSource: DataSource; close(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'SQLite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'zg-webhook-events-'));
      const dataSource = await new DataSource(
        buildDataSourceOptions({ type: 'sqlite', path: join(dir, 'test.sqlite') }),
      ).initialize();
      await runMigrations(dataSource);
      return {
        dataSource,
        async close() {
          await dataSource.destroy();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'PostgreSQL',
    async open() {
      const database = await createPostgresDatabase();
      const dataSource = await new DataSource(
        buildDataSourceOptions({ type: 'postgres', url: database.url }),
      ).initialize();
      await runMigrations(dataSource);
      return {
        dataSource,
        async close() {
          await dataSource.destroy();
          await database.drop();
        },
      };
    },
  },
];

describe.each(backends)(`${WebhookEventStore.name} on $name`, (backend) => {
  let handle: Awaited<ReturnType<Backend['open']>>;
  let clock: ManualClock;
  let store: WebhookEventStore;

  beforeAll(async () => {
    handle = await backend.open();
  });

  afterAll(async () => {
    await handle?.close();
  });

  beforeEach(async () => {
    await handle.dataSource.query('DELETE FROM webhook_events');
    clock = new ManualClock();
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
    expect(row?.receivedAt.getTime()).toBe(clock.at);
  });

  it('lets exactly one of 25 concurrent claims of one event win', async () => {
    const event = { id: 'b'.repeat(64), event: 'meeting.deleted', meetingId: null };
    const results = await Promise.all(Array.from({ length: 25 }, () => store.claim(event)));
    expect(results.filter(Boolean).length).toBe(1);
  });

  it('records how processing ended without freeing the id', async () => {
    const event = { id: 'c'.repeat(64), event: 'meeting.updated', meetingId: '1' };
    await store.claim(event);
    clock.at += 1500;
    await store.complete(event.id, 'ignored', 'unknown meeting');
    const row = await store.find(event.id);
    expect(row).toMatchObject({
      status: 'ignored',
      detail: 'unknown meeting',
    });
    expect(row?.processedAt?.getTime()).toBe(clock.at);
    await expect(store.claim(event)).resolves.toBe(false);
  });

  it('counts events received long ago that never completed', async () => {
    await store.claim({ id: 'd'.repeat(64), event: 'meeting.deleted', meetingId: '1' });
    await store.claim({ id: 'e'.repeat(64), event: 'meeting.deleted', meetingId: '2' });
    await store.complete('e'.repeat(64), 'processed');
    clock.at += 60_000;
    await store.claim({ id: 'f'.repeat(64), event: 'meeting.deleted', meetingId: '3' });
    await expect(store.countUnfinished(clock.at - 30_000)).resolves.toBe(1);
  });

  it('prunes only the events received before the cutoff', async () => {
    await store.claim({ id: '1'.repeat(64), event: 'meeting.deleted', meetingId: '1' });
    clock.at += 10_000;
    await store.claim({ id: '2'.repeat(64), event: 'meeting.deleted', meetingId: '2' });
    await expect(store.prune(clock.at - 5_000)).resolves.toBe(1);
    await expect(store.find('1'.repeat(64))).resolves.toBeNull();
    await expect(store.find('2'.repeat(64))).resolves.not.toBeNull();
    // A pruned id is new again: pruning must keep rows for longer than Zoom retries (about 85 min).
    await expect(
      store.claim({ id: '1'.repeat(64), event: 'meeting.deleted', meetingId: '1' }),
    ).resolves.toBe(true);
  });
});
