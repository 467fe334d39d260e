import { type DataSource, QueryFailedError, type Repository } from 'typeorm';
import type { MigratedDatabase } from '../database/testing/migrated-database.js';
import { migratedEngines } from '../database/testing/migrated-engines.js';
import { MEETING_COLUMN_NAMES, newMeetingRecord } from './meeting-columns.js';
import { MeetingEntity } from './meeting.entity.js';
import { PlainWrites } from './plain-writes.js';

/** A `creating` record as a create writes it, with values that test each conversion. */
function creating(keyHash: string | null = null): MeetingEntity {
  return newMeetingRecord(
    {
      hostUser: 'Host@Example.com',
      status: 'creating',
      createdBy: 'app',
      now: new Date(Date.UTC(2030, 0, 2, 3, 4, 5, 678)),
      idempotency: keyHash
        ? { keyHash, requestHash: 'r'.repeat(64), expiresAt: new Date(Date.UTC(2030, 0, 3)) }
        : undefined,
    },
    {
      topic: 'Ünïcode ✓ topic',
      type: 2,
      duration: 45,
      startTime: new Date(Date.UTC(2030, 5, 1, 9, 30)),
    },
  );
}

/** What MeetingsRepository's writes set and match, plus two nullable columns to match on. */
const COLUMNS = {
  set: [...MEETING_COLUMN_NAMES, 'status', 'failureReason', 'updatedAt', 'responseEncrypted'],
  match: ['id', 'status', 'zoomMeetingId', 'idempotencyKeyHash'],
} as const;

const LATER = new Date(Date.UTC(2030, 0, 2, 3, 4, 6));

/** Names as a caller could misspell them (or a column renamed since): typed as properties. */
function misnamed(...names: string[]): Array<keyof MeetingEntity> {
  return names.filter((_name): _name is keyof MeetingEntity => true);
}

describe.each(migratedEngines)(`${PlainWrites.name} on %s`, (_engine, open) => {
  let database: MigratedDatabase;
  let repository: Repository<MeetingEntity>;
  let plain: PlainWrites<MeetingEntity>;
  /** Another connection to the same database: sees only what was committed. */
  let other: DataSource;

  beforeAll(async () => {
    database = await open('plain');
    repository = database.dataSource.getRepository(MeetingEntity);
    plain = new PlainWrites(repository, COLUMNS);
    other = await database.connect();
  });

  afterAll(async () => {
    await database?.close();
  });

  it('writes a row that reads back exactly as the one Repository.insert writes', async () => {
    const viaPlain = creating();
    const viaRepository = creating();
    await plain.insert(viaPlain);
    await repository.insert(viaRepository);

    const [a, b] = await Promise.all([
      repository.findOneByOrFail({ id: viaPlain.id }),
      repository.findOneByOrFail({ id: viaRepository.id }),
    ]);
    expect(a).toEqual(Object.assign(b, { id: a.id }));
    expect(a.startTime?.toISOString()).toBe('2030-06-01T09:30:00.000Z');
    expect(a.createdAt.toISOString()).toBe('2030-01-02T03:04:05.678Z');
  });

  it('changes only rows matching every condition, says how many, and writes NULLs and big ids', async () => {
    const record = creating();
    await plain.insert(record);
    const change = {
      status: 'active' as const,
      zoomMeetingId: '9223372036854775807',
      failureReason: null,
      updatedAt: LATER,
    };

    expect(await plain.update({ id: record.id, status: 'failed' }, change)).toBe(0);
    expect(await plain.update({ id: record.id, status: 'creating' }, change)).toBe(1);
    expect(await plain.update({ id: record.id, status: 'creating' }, change)).toBe(0);
    const row = await repository.findOneByOrFail({ id: record.id });
    expect([row.status, row.zoomMeetingId, row.failureReason, row.topic]).toEqual([
      'active',
      '9223372036854775807',
      null,
      'Ünïcode ✓ topic',
    ]);
    expect(row.updatedAt.toISOString()).toBe('2030-01-02T03:04:06.000Z');
  });

  it("is refused by the unique index, as the repository's insert is, for an Idempotency-Key already held", async () => {
    const keyHash = 'k'.repeat(64);
    await plain.insert(creating(keyHash));
    await expect(plain.insert(creating(keyHash))).rejects.toBeInstanceOf(QueryFailedError);
  });

  describe('null', () => {
    it('matches a null with IS NULL (a condition "= NULL" matches no row)', async () => {
      const record = creating();
      await plain.insert(record);

      const claimed = { zoomMeetingId: '81000000001', updatedAt: LATER };
      expect(await plain.update({ id: record.id, zoomMeetingId: null }, claimed)).toBe(1);
      // No longer null: the same condition matches nothing.
      expect(await plain.update({ id: record.id, zoomMeetingId: null }, claimed)).toBe(0);
      expect(
        await plain.update({ id: record.id, idempotencyKeyHash: null }, { failureReason: 'x' }),
      ).toBe(1);
      expect((await repository.findOneByOrFail({ id: record.id })).zoomMeetingId).toBe(
        '81000000001',
      );
    });

    it('does not match a null with a value, nor a value with null', async () => {
      const held = creating('h'.repeat(64));
      await plain.insert(held);
      expect(
        await plain.update({ id: held.id, idempotencyKeyHash: null }, { failureReason: 'x' }),
      ).toBe(0);
      expect(
        await plain.update(
          { id: held.id, idempotencyKeyHash: 'other'.padEnd(64, '0') },
          { failureReason: 'x' },
        ),
      ).toBe(0);
      expect(
        await plain.update(
          { id: held.id, idempotencyKeyHash: 'h'.repeat(64) },
          { failureReason: 'x' },
        ),
      ).toBe(1);
    });

    it('sets a null as a value (SET column = NULL), beside conditions that are null', async () => {
      const record = creating();
      await plain.insert(record);
      await repository.update({ id: record.id }, { failureReason: 'before', zoomUuid: 'u' });

      expect(
        await plain.update(
          { id: record.id, zoomMeetingId: null, idempotencyKeyHash: null, status: 'creating' },
          { failureReason: null, zoomUuid: null, topic: 'after' },
        ),
      ).toBe(1);
      const row = await repository.findOneByOrFail({ id: record.id });
      expect([row.failureReason, row.zoomUuid, row.topic]).toEqual([null, null, 'after']);
    });
  });

  describe("the caller's transaction", () => {
    it('writes inside it: its update sees its uncommitted insert, and no other connection sees either', async () => {
      const record = creating();
      await database.dataSource.transaction(async (manager) => {
        await plain.insert(record, manager);
        expect(
          await plain.update(
            { id: record.id, status: 'creating' },
            { status: 'active', updatedAt: LATER },
            manager,
          ),
        ).toBe(1);
        expect(await other.getRepository(MeetingEntity).findOneBy({ id: record.id })).toBeNull();
      });
      const committed = await other.getRepository(MeetingEntity).findOneByOrFail({ id: record.id });
      expect(committed.status).toBe('active');
    });

    it('is undone with it', async () => {
      const inserted = creating();
      const updated = creating();
      await plain.insert(updated);
      const rollback = new Error('rolled back');

      await expect(
        database.dataSource.transaction(async (manager) => {
          await plain.insert(inserted, manager);
          await plain.update(
            { id: updated.id, status: 'creating' },
            { status: 'active', updatedAt: LATER },
            manager,
          );
          throw rollback;
        }),
      ).rejects.toBe(rollback);

      expect(await repository.findOneBy({ id: inserted.id })).toBeNull();
      expect((await repository.findOneByOrFail({ id: updated.id })).status).toBe('creating');
    });

    it('leaves the connection to the transaction: the transaction goes on after the update', async () => {
      const record = creating();
      await database.dataSource.transaction(async (manager) => {
        await plain.insert(record, manager);
        await plain.update({ id: record.id }, { topic: 'first' }, manager);
        await plain.update({ id: record.id }, { failureReason: 'second' }, manager);
      });
      const row = await repository.findOneByOrFail({ id: record.id });
      expect([row.topic, row.failureReason]).toEqual(['first', 'second']);
    });
  });

  describe('checked against the entity when made', () => {
    it('refuses a property to set that is no column, naming it', () => {
      expect(
        () =>
          new PlainWrites(repository, {
            set: ['status', ...misnamed('finishedAt')],
            match: ['id'],
          }),
      ).toThrow(
        /^PlainWrites\(MeetingEntity\): told to set "finishedAt", which is no column of the entity/,
      );
    });

    it('refuses a property to match on that is no column, naming it', () => {
      expect(
        () =>
          new PlainWrites(repository, {
            set: ['status'],
            match: ['id', ...misnamed('meeting_id')],
          }),
      ).toThrow(/told to match on "meeting_id", which is no column/);
    });

    it('refuses, rather than skips, a property it was not made to write or to match on', async () => {
      const narrow = new PlainWrites(repository, { set: ['status'], match: ['id'] });
      const record = creating();
      await narrow.insert(record);
      await expect(narrow.update({ id: record.id }, { topic: 'x' })).rejects.toThrow(
        /"topic" is not among the columns it was made to set/,
      );
      await expect(
        narrow.update({ id: record.id, status: 'creating' }, { status: 'active' }),
      ).rejects.toThrow(/"status" is not among the columns it was made to match on/);
      expect((await repository.findOneByOrFail({ id: record.id })).status).toBe('creating');
    });
  });
});
