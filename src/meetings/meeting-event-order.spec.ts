import type { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import type { MigratedDatabase } from '../database/testing/migrated-database.js';
import { migratedEngines } from '../database/testing/migrated-engines.js';
import { newMeetingRecord } from './meeting-columns.js';
import { MeetingEntity } from './meeting.entity.js';
import { MeetingLifecycle } from './meeting-lifecycle.service.js';
import { MeetingsRepository } from './meetings.repository.js';

/** Zoom's `event_ts` of an event now-ish: ms since epoch, 13 digits. */
const T0 = 1_764_350_000_000;

/** A deterministic shuffle (mulberry32), so a failing order can be replayed from its seed. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function lifecycleOn(dataSource: DataSource): MeetingLifecycle {
  const clock = new Clock();
  return new MeetingLifecycle(
    new MeetingsRepository(dataSource.getRepository(MeetingEntity), clock),
    clock,
  );
}

describe.each(migratedEngines)('Zoom events applied in any order on %s', (_engine, open) => {
  let database: MigratedDatabase;
  /** Two replicas: one DataSource (connection pool) each, on the same database. */
  let replicas: MeetingLifecycle[];
  let meetings: MeetingsRepository;
  let nextId = 82_000_000_000;

  beforeAll(async () => {
    database = await open('event-order');
    replicas = [lifecycleOn(database.dataSource), lifecycleOn(await database.connect())];
    meetings = new MeetingsRepository(
      database.dataSource.getRepository(MeetingEntity),
      new Clock(),
    );
  });

  afterAll(async () => {
    await database?.close();
  });

  /** An `active` record of a new Zoom meeting id, topic `original`. */
  async function recorded(): Promise<string> {
    const zoomMeetingId = String(nextId++);
    await meetings.insert(
      newMeetingRecord(
        { hostUser: 'me', status: 'active', createdBy: 'app', now: new Date() },
        { zoomMeetingId, topic: 'original', duration: 30 },
      ),
    );
    return zoomMeetingId;
  }

  async function read(zoomMeetingId: string): Promise<MeetingEntity> {
    const record = await meetings.findByZoomId(zoomMeetingId);
    if (!record) throw new Error(`no record of ${zoomMeetingId}`);
    return record;
  }

  it.each([1, 2, 3])(
    'keeps the newest of 40 updates delivered shuffled, a third twice, by two replicas at once (seed %i)',
    async (seed) => {
      const id = await recorded();
      const updates = Array.from({ length: 40 }, (_, i) => ({
        ts: T0 + i * 7 + (i % 3),
        topic: `update ${i}`,
        duration: 100 + i,
      }));
      const deliveries = shuffled([...updates, ...updates.filter((_, i) => i % 3 === 0)], seed);
      const results = await Promise.all(
        deliveries.map((u, i) =>
          replicas[i % 2]
            .applyZoomUpdate(id, { topic: u.topic, duration: u.duration }, u.ts)
            .then((changed) => ({ ts: u.ts, changed })),
        ),
      );
      const newest = updates[updates.length - 1];
      expect(await read(id)).toMatchObject({
        topic: newest.topic,
        duration: newest.duration,
        zoomEventTs: String(newest.ts),
        status: 'active',
      });
      // The newest was applied exactly once: its repeat changed nothing.
      expect(results.filter((r) => r.ts === newest.ts && r.changed)).toHaveLength(1);
    },
  );

  it('applies a deletion delivered among concurrent shuffled updates, whatever their timestamps', async () => {
    const id = await recorded();
    const updates = Array.from({ length: 20 }, (_, i) => ({ ts: T0 + i * 10, topic: `u${i}` }));
    const deliveries = shuffled([...updates, { ts: T0 + 95, topic: null }], 7);
    await Promise.all(
      deliveries.map((d, i) =>
        d.topic === null
          ? replicas[i % 2].markDeletedByZoom(id, 'deleted in Zoom (webhook)', d.ts)
          : replicas[i % 2].applyZoomUpdate(id, { topic: d.topic }, d.ts),
      ),
    );
    const record = await read(id);
    expect(record).toMatchObject({
      status: 'deleted',
      deletionReason: 'deleted in Zoom (webhook)',
    });
    // The newest event applied: the deletion's, or a newer update's that arrived before it.
    expect(Number(record.zoomEventTs)).toBeGreaterThanOrEqual(T0 + 95);
  });

  it('changes nothing on a repeat (same event_ts), even one that differs', async () => {
    const id = await recorded();
    await expect(replicas[0].applyZoomUpdate(id, { topic: 'first' }, T0)).resolves.toBe(true);
    const before = await read(id);
    await expect(replicas[1].applyZoomUpdate(id, { topic: 'first' }, T0)).resolves.toBe(false);
    await expect(replicas[0].applyZoomUpdate(id, { topic: 'other' }, T0)).resolves.toBe(false);
    expect(await read(id)).toEqual(before);
  });

  it('compares event_ts as numbers, not as text (999 is older than 1000)', async () => {
    const id = await recorded();
    await expect(replicas[0].applyZoomUpdate(id, { topic: '1000' }, 1000)).resolves.toBe(true);
    await expect(replicas[0].applyZoomUpdate(id, { topic: '999' }, 999)).resolves.toBe(false);
    await expect(replicas[0].applyZoomUpdate(id, { topic: '10000' }, 10_000)).resolves.toBe(true);
    await expect(replicas[0].applyZoomUpdate(id, { topic: '9999' }, 9999)).resolves.toBe(false);
    // Exact up to 2^53 - 1, the largest event_ts JSON gives exactly.
    const max = Number.MAX_SAFE_INTEGER;
    await expect(replicas[0].applyZoomUpdate(id, { topic: 'max' }, max)).resolves.toBe(true);
    await expect(replicas[0].applyZoomUpdate(id, { topic: 'max-1' }, max - 1)).resolves.toBe(false);
    expect(await read(id)).toMatchObject({ topic: 'max', zoomEventTs: String(max) });
  });

  it('changes nothing with an update older than the deletion, nor a newer one', async () => {
    const id = await recorded();
    await replicas[0].applyZoomUpdate(id, { topic: 'before' }, T0);
    await expect(replicas[1].markDeletedByZoom(id, 'deleted', T0 + 2000)).resolves.toBe(true);
    const deleted = await read(id);
    expect(deleted).toMatchObject({ status: 'deleted', zoomEventTs: String(T0 + 2000) });
    await expect(replicas[0].applyZoomUpdate(id, { topic: 'late' }, T0 + 1000)).resolves.toBe(
      false,
    );
    await expect(replicas[0].applyZoomUpdate(id, { topic: 'later' }, T0 + 3000)).resolves.toBe(
      false,
    );
    await expect(replicas[0].applyZoomUpdate(id, { topic: 'untimed' })).resolves.toBe(false);
    await expect(replicas[1].markDeletedByZoom(id, 'again', T0 + 2000)).resolves.toBe(false);
    expect(await read(id)).toEqual(deleted);
  });

  it('still deletes after a newer update, and keeps the newer event_ts', async () => {
    const id = await recorded();
    await replicas[0].applyZoomUpdate(id, { topic: 'newer' }, T0 + 3000);
    await expect(replicas[1].markDeletedByZoom(id, 'deleted', T0 + 2000)).resolves.toBe(true);
    expect(await read(id)).toMatchObject({
      status: 'deleted',
      topic: 'newer',
      deletionReason: 'deleted',
      zoomEventTs: String(T0 + 3000),
    });
  });

  it('deletes without event_ts as before, keeping the recorded event_ts', async () => {
    const id = await recorded();
    await replicas[0].applyZoomUpdate(id, { topic: 'timed' }, T0);
    await expect(replicas[1].markDeletedByZoom(id, 'Zoom answered 3001')).resolves.toBe(true);
    expect(await read(id)).toMatchObject({ status: 'deleted', zoomEventTs: String(T0) });
  });

  it('applies an update without event_ts as before, leaving the recorded event_ts as it was', async () => {
    const id = await recorded();
    await expect(replicas[0].applyZoomUpdate(id, { topic: 'untimed' })).resolves.toBe(true);
    expect(await read(id)).toMatchObject({ topic: 'untimed', zoomEventTs: null });
    await replicas[0].applyZoomUpdate(id, { topic: 'timed' }, T0 + 1000);
    await expect(replicas[1].applyZoomUpdate(id, { topic: 'reconciled' })).resolves.toBe(true);
    expect(await read(id)).toMatchObject({ topic: 'reconciled', zoomEventTs: String(T0 + 1000) });
    // An older event is still refused, a newer one applied.
    await expect(replicas[0].applyZoomUpdate(id, { topic: 'old' }, T0 + 500)).resolves.toBe(false);
    await expect(replicas[0].applyZoomUpdate(id, { topic: 'new' }, T0 + 1500)).resolves.toBe(true);
    expect(await read(id)).toMatchObject({ topic: 'new', zoomEventTs: String(T0 + 1500) });
  });

  it('treats an event_ts that is no positive safe integer as absent', async () => {
    const id = await recorded();
    await replicas[0].applyZoomUpdate(id, { topic: 'timed' }, T0);
    for (const bad of [1.5, -1, 0, Number.NaN, 2 ** 60]) {
      await expect(replicas[0].applyZoomUpdate(id, { topic: `bad ${bad}` }, bad)).resolves.toBe(
        true,
      );
    }
    expect((await read(id)).zoomEventTs).toBe(String(T0));
  });

  it('adopts a meeting with its event_ts: an update older than the creation does not apply', async () => {
    const id = String(nextId++);
    await expect(
      replicas[0].adoptFromZoom({ id, topic: 'created', host_id: 'h1' }, T0 + 100),
    ).resolves.toBe(true);
    expect(await read(id)).toMatchObject({ topic: 'created', zoomEventTs: String(T0 + 100) });
    await expect(replicas[1].applyZoomUpdate(id, { topic: 'older' }, T0 + 50)).resolves.toBe(false);
    await expect(replicas[1].applyZoomUpdate(id, { topic: 'newer' }, T0 + 150)).resolves.toBe(true);
    expect(await read(id)).toMatchObject({ topic: 'newer', zoomEventTs: String(T0 + 150) });
  });
});
