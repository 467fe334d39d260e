import { Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { getRepositoryToken } from '@nestjs/typeorm';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { createRedisNamespace } from '../../test/support/services.js';
import { Clock } from '../common/clock.js';
import { ShutdownSignal } from '../common/shutdown-signal.js';
import { AppConfig } from '../config/app-config.js';
import { REDIS, type RedisClient } from '../coordination/redis.provider.js';
import type { MigratedDatabase } from '../database/testing/migrated-database.js';
import { migratedSqlite } from '../database/testing/migrated-sqlite.js';
import { newMeetingRecord } from './meeting-columns.js';
import { MeetingEntity } from './meeting.entity.js';
import { MeetingLifecycle } from './meeting-lifecycle.service.js';
import { MeetingsRepository } from './meetings.repository.js';
import { KEEP_RESERVE_MS, RecordRepairs } from './record-repairs.js';
import { REPAIRS_FILE, RepairJournal } from './repair-journal.js';

const UPDATED = '81000000001';
const DELETED = '81000000002';

/** One replica's meetings module on `dataSource`: what a start and a shutdown run. */
async function replica(
  dataSource: DataSource,
  appConfig: AppConfig,
  redis: RedisClient | null = null,
): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    providers: [
      MeetingLifecycle,
      MeetingsRepository,
      RecordRepairs,
      RepairJournal,
      Clock,
      ShutdownSignal,
      { provide: AppConfig, useValue: appConfig },
      { provide: REDIS, useValue: redis },
      {
        provide: getRepositoryToken(MeetingEntity),
        useValue: dataSource.getRepository(MeetingEntity),
      },
    ],
  }).compile();
  await moduleRef.init();
  return moduleRef;
}

function lines(spy: { mock: { calls: unknown[][] } }): string[] {
  return spy.mock.calls.map((call) => String(call[0]));
}

function config(dataDir: string, prefix = 'zg-test:'): AppConfig {
  return Object.assign(new AppConfig(), { dataDir, redisKeyPrefix: prefix, role: 'server' });
}

/** A time `ms` ago. */
function ago(ms: number): Date {
  return new Date(Date.now() - ms);
}

/** Zoom accepted an update and a delete while the database was closed; then the replica stops. */
async function acceptWhileDatabaseClosed(moduleRef: TestingModule, dataSource: DataSource) {
  await dataSource.destroy();
  const lifecycle = moduleRef.get(MeetingLifecycle);
  // A PATCH body may hold more than the record keeps (a password): only the record's fields go.
  const body: Record<string, unknown> = {
    topic: 'Renamed in Zoom',
    duration: 45,
    password: 'hunter2',
    settings: {},
  };
  await lifecycle.followZoom({ kind: 'update', meetingId: UPDATED, change: body });
  await lifecycle.followZoom({ kind: 'delete', meetingId: DELETED, reason: 'deleted by app' });
  expect(moduleRef.get(RecordRepairs).size).toBe(2);
  await moduleRef.close();
}

async function expectRepaired(dataSource: DataSource) {
  const records = dataSource.getRepository(MeetingEntity);
  const updated = await records.findOneByOrFail({ zoomMeetingId: UPDATED });
  const deleted = await records.findOneByOrFail({ zoomMeetingId: DELETED });
  expect(updated).toMatchObject({ topic: 'Renamed in Zoom', duration: 45, status: 'active' });
  expect(deleted).toMatchObject({ status: 'deleted', deletionReason: 'deleted by app' });
  // The record says when Zoom changed, not when the write finally landed.
  expect(deleted.deletedAt?.getTime()).toBeLessThan(Date.now() - 200);
}

describe(RecordRepairs.name, () => {
  let dir: string;
  /** One SQLite database for the test; each replica start opens it anew with connect(). */
  let database: MigratedDatabase;
  let warn: ReturnType<typeof vi.spyOn>;
  let error: ReturnType<typeof vi.spyOn>;

  beforeEach(async () => {
    warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    error = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    dir = mkdtempSync(join(tmpdir(), 'zg-record-repairs-'));
    database = await migratedSqlite('record-repairs');
    const first = database.dataSource;
    const now = new Date(Date.now() - 60_000);
    for (const zoomMeetingId of [UPDATED, DELETED]) {
      await first
        .getRepository(MeetingEntity)
        .insert(
          newMeetingRecord(
            { hostUser: 'me', status: 'active', createdBy: 'app', now },
            { zoomMeetingId, topic: 'Before', duration: 30 },
          ),
        );
    }
    await first.destroy();
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps repairs pending at shutdown in DATA_DIR without Redis, and the next start writes them', async () => {
    const dataDir = join(dir, 'data');
    const before = await database.connect();
    await acceptWhileDatabaseClosed(await replica(before, config(dataDir)), before);

    const file = join(dataDir, REPAIRS_FILE);
    const kept = readFileSync(file, 'utf8');
    expect(JSON.parse(kept)).toHaveLength(2);
    expect(kept).not.toContain('hunter2');
    expect(lines(warn).at(-1)).toMatch(
      new RegExp(
        `2 record repair\\(s\\) not written \\(update of meeting ${UPDATED} \\(topic, duration\\); delete of meeting ${DELETED}\\); kept in .*${REPAIRS_FILE}`,
      ),
    );
    expect(lines(error)).toEqual([]);

    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = await database.connect();
    const next = await replica(after, config(dataDir));
    await expect(next.get(RecordRepairs).resumed).resolves.toBe(2);
    await expectRepaired(after);
    expect(existsSync(file)).toBe(false);
    await next.close();
    await after.destroy();
  });

  it('keeps them in Redis when configured, where another replica (another DATA_DIR) picks them up', async () => {
    const redis = await createRedisNamespace();
    try {
      const before = await database.connect();
      const stopping = await replica(before, config(join(dir, 'a'), redis.prefix), redis.client);
      await acceptWhileDatabaseClosed(stopping, before);
      await expect(redis.client.hlen(`${redis.prefix}meeting-record-repairs`)).resolves.toBe(2);
      expect(existsSync(join(dir, 'a', REPAIRS_FILE))).toBe(false);
      expect(lines(warn).at(-1)).toMatch(/kept in Redis: the next start of any replica/);

      await new Promise((resolve) => setTimeout(resolve, 300));
      const after = await database.connect();
      const other = await replica(after, config(join(dir, 'b'), redis.prefix), redis.client);
      await expect(other.get(RecordRepairs).resumed).resolves.toBe(2);
      await expectRepaired(after);
      await expect(redis.client.hlen(`${redis.prefix}meeting-record-repairs`)).resolves.toBe(0);
      await other.close();
      await after.destroy();
    } finally {
      await redis.cleanup();
    }
  });

  it('tries them once more at shutdown: a database back by then gets them written, nothing kept', async () => {
    const dataDir = join(dir, 'data');
    const dataSource = await database.connect();
    const moduleRef = await replica(dataSource, config(dataDir));
    const repository = moduleRef.get(MeetingsRepository);
    const applyChange = vi
      .spyOn(repository, 'applyChange')
      .mockRejectedValueOnce(new Error('connect ECONNREFUSED 10.1.2.3:5432'));
    await moduleRef.get(MeetingLifecycle).followZoom({
      kind: 'update',
      meetingId: UPDATED,
      change: { topic: 'Renamed in Zoom', duration: 45 },
    });
    await moduleRef.close();
    expect(applyChange).toHaveBeenCalledTimes(2);
    expect(existsSync(join(dataDir, REPAIRS_FILE))).toBe(false);
    await expect(
      dataSource.getRepository(MeetingEntity).findOneByOrFail({ zoomMeetingId: UPDATED }),
    ).resolves.toMatchObject({ topic: 'Renamed in Zoom' });
    expect(JSON.stringify(warn.mock.calls)).not.toMatch(/10\.1\.2\.3|5432/);
    await dataSource.destroy();
  });

  it('cuts the last try at the shutdown deadline (a hung database) and keeps the repair', async () => {
    const dataDir = join(dir, 'data');
    const dataSource = await database.connect();
    const moduleRef = await replica(dataSource, config(dataDir));
    const repository = moduleRef.get(MeetingsRepository);
    vi.spyOn(repository, 'applyChange')
      .mockRejectedValueOnce(new Error('Connection terminated unexpectedly'))
      .mockReturnValue(new Promise<boolean>(() => undefined));
    await moduleRef
      .get(MeetingLifecycle)
      .followZoom({ kind: 'update', meetingId: UPDATED, change: { topic: 'Late' } });
    // 300 ms of the deadline left for the try: the rest is for keeping what is left.
    moduleRef.get(ShutdownSignal).trigger(Date.now() + KEEP_RESERVE_MS + 300);
    const started = Date.now();
    await moduleRef.close();
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(JSON.parse(readFileSync(join(dataDir, REPAIRS_FILE), 'utf8'))).toMatchObject([
      { kind: 'update', meetingId: UPDATED, change: { topic: 'Late' } },
    ]);
    await dataSource.destroy();
  });

  it('retries past its schedule while the database is unavailable, and gives up on any other failure', async () => {
    const dataSource = await database.connect();
    const records = new MeetingsRepository(dataSource.getRepository(MeetingEntity), new Clock());
    const writes: string[] = [];
    const failures = Array.from(
      { length: 4 },
      () => new Error('Connection terminated unexpectedly'),
    );
    vi.spyOn(records, 'applyChange').mockImplementation((meetingId: string) => {
      writes.push(meetingId);
      if (meetingId === 'broken') return Promise.reject(new TypeError('x is undefined'));
      const failure = failures.shift();
      return failure ? Promise.reject(failure) : Promise.resolve(true);
    });
    vi.useFakeTimers();
    try {
      const repairs = new RecordRepairs(records, new Clock());
      await repairs.follow({ kind: 'update', meetingId: UPDATED, change: { topic: 'x' } });
      await repairs.follow({ kind: 'update', meetingId: 'broken', change: { topic: 'x' } });
      for (const ms of [1_000, 5_000, 30_000, 30_000]) await vi.advanceTimersByTimeAsync(ms);
      expect(writes.filter((id) => id === UPDATED)).toHaveLength(5);
      expect(writes.filter((id) => id === 'broken')).toHaveLength(4);
      expect(repairs.size).toBe(0);
      expect(lines(error).join('\n')).toMatch(/update of meeting broken .*given up/);
    } finally {
      vi.useRealTimers();
      await dataSource.destroy();
    }
  });

  it('never lets a kept change undo a newer one; of two late changes the newer wins in any order', async () => {
    const dataSource = await database.connect();
    const repository = new MeetingsRepository(dataSource.getRepository(MeetingEntity), new Clock());
    // Newer first, then older: the older one finds a record changed after it and stays out.
    await expect(repository.applyChange(UPDATED, { topic: 'Newer' }, ago(10_000))).resolves.toBe(
      true,
    );
    await expect(repository.applyChange(UPDATED, { topic: 'Older' }, ago(20_000))).resolves.toBe(
      false,
    );
    // Older first, then newer: both land, the newer last.
    await expect(repository.applyChange(DELETED, { topic: 'Older' }, ago(20_000))).resolves.toBe(
      true,
    );
    await expect(repository.applyChange(DELETED, { topic: 'Newer' }, ago(10_000))).resolves.toBe(
      true,
    );
    // A webhook wrote the record now: a kept change from before is stale.
    await repository.applyChange(UPDATED, { topic: 'From webhook' });
    await expect(repository.applyChange(UPDATED, { topic: 'Kept' }, ago(5_000))).resolves.toBe(
      false,
    );
    const topics = await dataSource
      .getRepository(MeetingEntity)
      .find({ order: { zoomMeetingId: 'ASC' } });
    expect(topics.map((r) => r.topic)).toEqual(['From webhook', 'Newer']);
    await dataSource.destroy();
  });
});
