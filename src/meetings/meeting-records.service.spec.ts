import { randomUUID } from 'node:crypto';
import type { MigratedDatabase } from '../database/testing/migrated-database.js';
import { migratedEngines } from '../database/testing/migrated-engines.js';
import { MeetingEntity } from './meeting.entity.js';
import { MeetingRecordsService } from './meeting-records.service.js';
import { parseRecordsQuery } from './dto/meetings.validation.js';
import { MeetingsRepository } from './meetings.repository.js';
import { Clock } from '../common/clock.js';

function record(overrides: Partial<MeetingEntity>): MeetingEntity {
  const at = overrides.createdAt ?? new Date();
  return Object.assign(new MeetingEntity(), {
    id: randomUUID(),
    zoomMeetingId: null,
    zoomUuid: null,
    hostUser: 'me',
    hostId: null,
    hostEmail: null,
    topic: null,
    type: 2,
    startTime: null,
    duration: 30,
    timezone: 'UTC',
    joinUrl: null,
    status: 'active',
    createdBy: 'app',
    createdAt: at,
    updatedAt: at,
    deletedAt: null,
    deletionReason: null,
    failureReason: null,
    idempotencyKeyHash: null,
    requestHash: null,
    idempotencyExpiresAt: null,
    responseEncrypted: null,
    ...overrides,
  });
}

describe.each(migratedEngines)(`${MeetingRecordsService.name} on %s`, (_engine, open) => {
  let database: MigratedDatabase;
  let service: MeetingRecordsService;
  const base = Date.UTC(2030, 5, 1, 12, 0, 0);

  beforeAll(async () => {
    database = await open('meetings');
    const meetings = database.dataSource.getRepository(MeetingEntity);
    service = new MeetingRecordsService(new MeetingsRepository(meetings, new Clock()));
    const rows = [
      // Two share one millisecond: the id breaks the tie, so paging neither skips nor repeats.
      record({ topic: 'r0', createdAt: new Date(base), zoomMeetingId: '9223372036854775807' }),
      record({ topic: 'r1', createdAt: new Date(base + 1000) }),
      record({ topic: 'r2', createdAt: new Date(base + 1000) }),
      record({
        topic: 'r3',
        createdAt: new Date(base + 2000),
        status: 'deleted',
        createdBy: 'other',
      }),
      record({ topic: 'r4', createdAt: new Date(base + 3000), hostUser: 'Host@Example.com' }),
    ];
    await meetings.insert(rows);
  });

  const topicsFor = async (query: Record<string, string>) =>
    (await service.list(parseRecordsQuery(query))).meetings
      .map((m) => m.topic ?? '')
      .sort((a, b) => a.localeCompare(b));

  afterAll(async () => {
    await database?.close();
  });

  it('keeps a meeting id of 2^63-1 exact', async () => {
    await expect(service.get('9223372036854775807')).resolves.toMatchObject({
      meetingId: '9223372036854775807',
      topic: 'r0',
    });
  });

  it('pages newest first with a cursor, without skipping or repeating records that share a time', async () => {
    const topics: string[] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 10; guard++) {
      const page = await service.list(
        parseRecordsQuery({ limit: '2', ...(cursor ? { cursor } : {}) }),
      );
      topics.push(...page.meetings.map((m) => m.topic ?? ''));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(topics.length).toBe(5);
    expect(new Set(topics).size).toBe(5);
    expect([topics[0], topics[4]]).toEqual(['r4', 'r0']);
  });

  it('filters by user (case-insensitively), status, creator and creation time', async () => {
    await expect(topicsFor({ userId: 'host@example.com' })).resolves.toEqual(['r4']);
    await expect(topicsFor({ status: 'deleted' })).resolves.toEqual(['r3']);
    await expect(topicsFor({ createdBy: 'other' })).resolves.toEqual(['r3']);
    await expect(
      topicsFor({
        from: new Date(base + 1000).toISOString(),
        to: new Date(base + 3000).toISOString(),
      }),
    ).resolves.toEqual(['r1', 'r2', 'r3']);
  });

  it('shows an own-ownership app its records only, and another app’s as missing', async () => {
    const other = { caller: { name: 'other', admin: false }, ownership: 'own' as const };
    const own = async (query: Record<string, string>) =>
      (await service.list(parseRecordsQuery(query), other)).meetings.map((m) => m.topic);
    await expect(own({})).resolves.toEqual(['r3']);
    await expect(own({ createdBy: 'app' })).resolves.toEqual([]);
    await expect(service.get('9223372036854775807', other)).rejects.toMatchObject({
      status: 404,
      message: 'No meeting record for 9223372036854775807.',
    });
    const all = { caller: { name: 'other', admin: false }, ownership: 'all' as const };
    await expect(service.get('9223372036854775807', all)).resolves.toMatchObject({ topic: 'r0' });
  });

  it('refuses a record id that does not exist with 404', async () => {
    await expect(service.get('12345')).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });
});
