import { randomUUID } from 'node:crypto';
import type { Repository } from 'typeorm';
import { FakeClock } from '../../common/testing/fake-clock.js';
import type { MigratedDatabase } from '../../database/testing/migrated-database.js';
import { migratedSqlite } from '../../database/testing/migrated-sqlite.js';
import { MeetingEntity } from '../meeting.entity.js';
import {
  MeetingOwnershipStore,
  REMEMBER_OWNER_MS,
  REMEMBERED_OWNERS,
} from './meeting-ownership.store.js';

const row = (zoomMeetingId: string, createdBy: string, zoomUuid: string | null = null) => ({
  id: randomUUID(),
  zoomMeetingId,
  zoomUuid,
  hostUser: 'me',
  type: 2,
  duration: 30,
  timezone: 'UTC',
  status: 'active' as const,
  createdBy,
  createdAt: new Date(),
  updatedAt: new Date(),
});

describe(MeetingOwnershipStore.name, () => {
  let database: MigratedDatabase;
  let meetings: Repository<MeetingEntity>;
  let clock: FakeClock;
  let store: MeetingOwnershipStore;

  const insert = (zoomMeetingId: string, createdBy: string, zoomUuid: string | null = null) =>
    meetings.insert(row(zoomMeetingId, createdBy, zoomUuid));
  /** Rewrites the owner behind the store's back: shows whether it asked the database again. */
  const rewriteOwner = (zoomMeetingId: string, createdBy: string) =>
    meetings.update({ zoomMeetingId }, { createdBy });

  beforeAll(async () => {
    database = await migratedSqlite('ownership');
    meetings = database.dataSource.getRepository(MeetingEntity);
  });

  afterAll(async () => {
    await database?.close();
  });

  beforeEach(async () => {
    await meetings.clear();
    clock = new FakeClock();
    store = new MeetingOwnershipStore(meetings, clock);
  });

  it('answers a found owner from memory on the next read, without the database', async () => {
    await insert('111', 'app-a');
    expect(await store.ownerOf('111')).toBe('app-a');
    await rewriteOwner('111', 'app-b');
    expect(await store.ownerOf('111')).toBe('app-a');
  });

  it('reads the owner again once it has been remembered for ten minutes', async () => {
    await insert('112', 'app-a');
    await store.ownerOf('112');
    await rewriteOwner('112', 'app-b');
    clock.advance(REMEMBER_OWNER_MS);
    expect(await store.ownerOf('112')).toBe('app-b');
  });

  it('never remembers "no owner", so a meeting created a moment later is found', async () => {
    expect(await store.ownerOf('113')).toBeNull();
    await insert('113', 'app-a');
    expect(await store.ownerOf('113')).toBe('app-a');
  });

  it('keeps ids and UUIDs apart', async () => {
    await insert('114', 'app-a', 'uuid/114==');
    expect(await store.ownerOfUuid('uuid/114==')).toBe('app-a');
    expect(await store.ownerOfUuid('114')).toBeNull();
    expect(await store.ownerOf('uuid/114==')).toBeNull();
  });

  it('forgets the oldest owner first once it holds as many as it may', async () => {
    const ids = Array.from({ length: REMEMBERED_OWNERS + 1 }, (_, i) => String(200_000 + i));
    for (let i = 0; i < ids.length; i += 500)
      await meetings.insert(
        ids.slice(i, i + 500).map((zoomMeetingId) => row(zoomMeetingId, 'app-a')),
      );
    for (const id of ids) await store.ownerOf(id);
    const [first, second] = ids;
    await rewriteOwner(first, 'app-b');
    await rewriteOwner(second, 'app-b');
    // The second is still remembered; the first was forgotten (and reading it again forgets the second).
    expect(await store.ownerOf(second)).toBe('app-a');
    expect(await store.ownerOf(first)).toBe('app-b');
  });
});
