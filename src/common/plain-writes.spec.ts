import { QueryFailedError, type Repository } from 'typeorm';
import { MeetingEntity } from '../meetings/meeting.entity.js';
import { newMeetingRecord } from '../meetings/meeting-columns.js';
import type { MigratedDatabase } from '../database/testing/migrated-database.js';
import { migratedEngines } from '../database/testing/migrated-engines.js';
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

describe.each(migratedEngines)(`${PlainWrites.name} on %s`, (_engine, open) => {
  let database: MigratedDatabase;
  let repository: Repository<MeetingEntity>;
  let plain: PlainWrites<MeetingEntity>;

  beforeAll(async () => {
    database = await open('plain');
    repository = database.dataSource.getRepository(MeetingEntity);
    plain = new PlainWrites(repository);
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
      updatedAt: new Date(Date.UTC(2030, 0, 2, 3, 4, 6)),
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
});
