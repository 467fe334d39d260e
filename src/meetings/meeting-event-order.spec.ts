import type { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import type { MigratedDatabase } from '../database/testing/migrated-database.js';
import { migratedEngines } from '../database/testing/migrated-engines.js';
import { newMeetingRecord } from './meeting-columns.js';
import { MeetingEntity } from './meeting.entity.js';
import { MeetingLifecycle } from './meeting-lifecycle.service.js';
import { MeetingsRepository } from './meetings.repository.js';
import { type ZoomMeetingChange, zoomTime } from './zoom-meeting.js';

/** Zoom's `event_ts` of an event now-ish: ms since epoch, 13 digits. */
const T0 = 1_764_350_000_000;

/** A deterministic random source (mulberry32) in [0, 1), so a failing run replays from its seed. */
function randomOf(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A deterministic shuffle, so a failing order can be replayed from its seed. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = randomOf(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The fields the record keeps of Zoom's `meeting.updated`, each with its timestamp's property. */
const FIELDS = [
  ['topic', 'topicEventTs'],
  ['start_time', 'startTimeEventTs'],
  ['duration', 'durationEventTs'],
  ['timezone', 'timezoneEventTs'],
] as const;

interface TimedUpdate {
  ts: number;
  change: ZoomMeetingChange;
}

/**
 * `count` updates with distinct `event_ts` (not in index order), each carrying a part of the four
 * fields, as Zoom sends only what changed: update i carries field i % 4 and, one time in two, a
 * random other; values tell the update apart (`topic 7`, duration 107, ...).
 */
function partialUpdates(count: number, seed: number): TimedUpdate[] {
  const random = randomOf(seed);
  return Array.from({ length: count }, (_, i) => {
    let carries = 1 << (i % 4);
    if (random() < 0.5) carries |= 1 << Math.floor(random() * 4);
    const values = {
      topic: `topic ${i}`,
      start_time: zoomTime(new Date(Date.UTC(2031, 0, 1) + i * 60_000)),
      duration: 100 + i,
      timezone: `Zone/${i}`,
    };
    const change: ZoomMeetingChange = {};
    FIELDS.forEach(([field], bit) => {
      if (carries & (1 << bit)) change[field] = values[field];
    });
    // 17 and `count` share no factor (count 40): a permutation of the timestamps.
    return { ts: T0 + ((i * 17) % count) * 10, change };
  });
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
        topicEventTs: String(newest.ts),
        durationEventTs: String(newest.ts),
        startTimeEventTs: null,
        timezoneEventTs: null,
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
    expect(await read(id)).toMatchObject({
      topic: 'max',
      topicEventTs: String(max),
      zoomEventTs: String(max),
    });
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
    expect(await read(id)).toMatchObject({
      status: 'deleted',
      topicEventTs: String(T0),
      zoomEventTs: String(T0),
    });
  });

  it('applies an update without event_ts as before, leaving the recorded event_ts as it was', async () => {
    const id = await recorded();
    await expect(replicas[0].applyZoomUpdate(id, { topic: 'untimed' })).resolves.toBe(true);
    expect(await read(id)).toMatchObject({
      topic: 'untimed',
      topicEventTs: null,
      zoomEventTs: null,
    });
    await replicas[0].applyZoomUpdate(id, { topic: 'timed' }, T0 + 1000);
    await expect(replicas[1].applyZoomUpdate(id, { topic: 'reconciled' })).resolves.toBe(true);
    expect(await read(id)).toMatchObject({
      topic: 'reconciled',
      topicEventTs: String(T0 + 1000),
      zoomEventTs: String(T0 + 1000),
    });
    // An older event is still refused, a newer one applied.
    await expect(replicas[0].applyZoomUpdate(id, { topic: 'old' }, T0 + 500)).resolves.toBe(false);
    await expect(replicas[0].applyZoomUpdate(id, { topic: 'new' }, T0 + 1500)).resolves.toBe(true);
    expect(await read(id)).toMatchObject({ topic: 'new', topicEventTs: String(T0 + 1500) });
  });

  it('treats an event_ts that is no positive safe integer as absent', async () => {
    const id = await recorded();
    await replicas[0].applyZoomUpdate(id, { topic: 'timed' }, T0);
    for (const bad of [1.5, -1, 0, Number.NaN, 2 ** 60]) {
      await expect(replicas[0].applyZoomUpdate(id, { topic: `bad ${bad}` }, bad)).resolves.toBe(
        true,
      );
    }
    expect(await read(id)).toMatchObject({ topicEventTs: String(T0), zoomEventTs: String(T0) });
  });

  it('adopts a meeting with its event_ts: an update older than the creation does not apply', async () => {
    const id = String(nextId++);
    await expect(
      replicas[0].adoptFromZoom({ id, topic: 'created', host_id: 'h1' }, T0 + 100),
    ).resolves.toBe(true);
    expect(await read(id)).toMatchObject({
      topic: 'created',
      topicEventTs: String(T0 + 100),
      startTimeEventTs: String(T0 + 100),
      durationEventTs: String(T0 + 100),
      timezoneEventTs: String(T0 + 100),
      zoomEventTs: String(T0 + 100),
    });
    await expect(replicas[1].applyZoomUpdate(id, { topic: 'older' }, T0 + 50)).resolves.toBe(false);
    await expect(replicas[1].applyZoomUpdate(id, { topic: 'newer' }, T0 + 150)).resolves.toBe(true);
    expect(await read(id)).toMatchObject({
      topic: 'newer',
      topicEventTs: String(T0 + 150),
      durationEventTs: String(T0 + 100),
      zoomEventTs: String(T0 + 150),
    });
    // Per field: the creation's timestamp also holds the fields the update did not carry.
    await expect(replicas[0].applyZoomUpdate(id, { duration: 45 }, T0 + 60)).resolves.toBe(false);
  });

  // Zoom's `meeting.updated` carries only the fields that changed: the newest event wins per field.

  it.each(['in order', 'reversed', 'at once'])(
    'applies two updates of different fields %s: both land',
    async (order) => {
      const id = await recorded();
      const duration = { change: { duration: 60 }, ts: T0 + 1000 };
      const topic = { change: { topic: 'B' }, ts: T0 + 2000 };
      const apply = (u: TimedUpdate, replica: number) =>
        replicas[replica].applyZoomUpdate(id, u.change, u.ts);
      if (order === 'at once') {
        await expect(Promise.all([apply(topic, 0), apply(duration, 1)])).resolves.toEqual([
          true,
          true,
        ]);
      } else {
        for (const u of order === 'in order' ? [duration, topic] : [topic, duration])
          await expect(apply(u, 0)).resolves.toBe(true);
      }
      expect(await read(id)).toMatchObject({
        topic: 'B',
        duration: 60,
        topicEventTs: String(T0 + 2000),
        durationEventTs: String(T0 + 1000),
        startTimeEventTs: null,
        timezoneEventTs: null,
        zoomEventTs: String(T0 + 2000),
      });
    },
  );

  it.each(['in order', 'reversed'])(
    'keeps the newest of two updates of one field applied %s',
    async (order) => {
      const id = await recorded();
      const older = { change: { topic: 'older' }, ts: T0 + 1000 };
      const newer = { change: { topic: 'newer' }, ts: T0 + 2000 };
      const [first, second] = order === 'in order' ? [older, newer] : [newer, older];
      await expect(replicas[0].applyZoomUpdate(id, first.change, first.ts)).resolves.toBe(true);
      const before = await read(id);
      await expect(replicas[1].applyZoomUpdate(id, second.change, second.ts)).resolves.toBe(
        second === newer,
      );
      const after = await read(id);
      expect(after).toMatchObject({ topic: 'newer', topicEventTs: String(T0 + 2000) });
      // The older one, last, changed nothing: not even updated_at.
      if (second === older) expect(after).toEqual(before);
    },
  );

  it('applies what is newer of an update and nothing of its repeat', async () => {
    const id = await recorded();
    const both = { topic: 'both', start_time: '2031-01-01T10:00:00Z', duration: 45 };
    await expect(replicas[0].applyZoomUpdate(id, { topic: 'newer' }, T0 + 2000)).resolves.toBe(
      true,
    );
    // Older than the topic, newer than the start time and duration: those apply.
    await expect(replicas[1].applyZoomUpdate(id, both, T0 + 1000)).resolves.toBe(true);
    const applied = await read(id);
    expect(applied).toMatchObject({
      topic: 'newer',
      duration: 45,
      startTime: new Date('2031-01-01T10:00:00Z'),
      topicEventTs: String(T0 + 2000),
      startTimeEventTs: String(T0 + 1000),
      durationEventTs: String(T0 + 1000),
      zoomEventTs: String(T0 + 2000),
    });
    // The same event again, on either replica, at once: nothing changes, updated_at included.
    await expect(
      Promise.all([
        replicas[0].applyZoomUpdate(id, both, T0 + 1000),
        replicas[1].applyZoomUpdate(id, both, T0 + 1000),
      ]),
    ).resolves.toEqual([false, false]);
    await expect(replicas[0].applyZoomUpdate(id, { topic: 'newer' }, T0 + 2000)).resolves.toBe(
      false,
    );
    expect(await read(id)).toEqual(applied);
  });

  it.each([4, 5, 6])(
    'leaves each field with the newest of 40 partial updates delivered shuffled, a third twice, by two replicas at once (seed %i)',
    async (seed) => {
      const id = await recorded();
      const updates = partialUpdates(40, seed);
      const deliveries = shuffled([...updates, ...updates.filter((_, i) => i % 3 === 0)], seed);
      const results = await Promise.all(
        deliveries.map((u, i) =>
          replicas[i % 2].applyZoomUpdate(id, u.change, u.ts).then((changed) => ({ u, changed })),
        ),
      );
      const record = await read(id);
      const newestOf = FIELDS.map(([field, tsProperty]) => {
        const carriers = updates.filter((u) => u.change[field] !== undefined);
        const newest = carriers.reduce((a, b) => (b.ts > a.ts ? b : a));
        expect(record[tsProperty], field).toBe(String(newest.ts));
        return newest;
      });
      const [topic, start, duration, timezone] = newestOf.map((u) => u.change);
      expect(record).toMatchObject({
        topic: topic.topic,
        startTime: new Date(String(start.start_time)),
        duration: duration.duration,
        timezone: timezone.timezone,
        zoomEventTs: String(Math.max(...updates.map((u) => u.ts))),
        status: 'active',
      });
      // Each update applied at most once (its repeat found every field it carries as new),
      // and the newest of each field exactly once.
      for (const u of updates) {
        const applied = results.filter((r) => r.u === u && r.changed).length;
        if (newestOf.includes(u)) expect(applied).toBe(1);
        else expect(applied).toBeLessThanOrEqual(1);
      }
    },
  );
});
