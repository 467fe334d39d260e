import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getRepositoryToken } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { EncryptionService } from '../common/crypto/encryption.service.js';
import { DomainError, ErrorCode } from '../common/errors/index.js';
import { ShutdownSignal } from '../common/shutdown-signal.js';
import { AppConfig } from '../config/app-config.js';
import { JobsService } from '../coordination/jobs.service.js';
import { LeaseService } from '../coordination/lease.service.js';
import { PubSubService } from '../coordination/pubsub.service.js';
import { type MigratedSqlite, migratedSqlite } from '../database/testing/migrated-sqlite.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { DailyBlocks } from '../zoom/api/daily-blocks.js';
import { DailyLimits } from '../zoom/api/daily-limits.js';
import { RateLimitGovernor } from '../zoom/api/rate-limit-governor.js';
import { RateLimits } from '../zoom/api/rate-limits.js';
import { ZoomApiClient } from '../zoom/api/zoom-api.client.js';
import { ZoomAttempt } from '../zoom/api/zoom-attempt.js';
import { ZoomHttpTransport, type TransportRequest } from '../zoom/api/zoom-http.transport.js';
import { ZoomReadCache } from '../zoom/cache/zoom-read-cache.js';
import { ZoomTokenService } from '../zoom/token/zoom-token.service.js';
import { FAILED_RECORDS_PRUNE_JOB, FailedRecordsPruner } from './failed-records-pruner.js';
import { IdempotencyService } from './idempotency.service.js';
import { newMeetingRecord } from './meeting-columns.js';
import { MeetingEntity, type MeetingStatus } from './meeting.entity.js';
import { MeetingLifecycle } from './meeting-lifecycle.service.js';
import { MeetingsRepository } from './meetings.repository.js';
import { MeetingsService } from './meetings.service.js';
import { ZoomMeetingFinder } from './reconciliation/zoom-meeting-finder.js';

// Creates through the real ZoomApiClient and RateLimitGovernor (in-process, Light at 1/s) on a
// migrated SQLite database: only Zoom's transport and the token are stand-ins. A create gets its
// record once the governor admits its call; one refused before Zoom leaves none.

/** Zoom's transport: every create answered 201 with a new meeting, and counted. */
class CountingZoom {
  readonly sent: TransportRequest[] = [];
  private next = 81_000_000_000;

  send(req: TransportRequest) {
    this.sent.push(req);
    const meeting = { id: this.next++, topic: 'Flood', type: 2, host_id: 'HOST1' };
    return Promise.resolve({
      status: 201,
      headers: { 'content-type': 'application/json' },
      body: Readable.from([Buffer.from(JSON.stringify(meeting))]),
    });
  }
}

const token = {
  accessToken: 'token',
  generation: 1,
  credentialVersion: 1,
  mintedAt: Date.now(),
  expiresAt: Date.now() + 3_600_000,
  fingerprint: 'fp',
  reason: 'cold',
};

const caller = { name: 'app', admin: false };
const body = { topic: 'Flood', type: 2, duration: 30 };
const DAY_MS = 86_400_000;

function testConfig(): AppConfig {
  return Object.assign(new AppConfig(), {
    role: 'server',
    rateLimitPlan: 'pro',
    zoomRateLimits: { light: 1 },
    zoomAppWeights: {},
    redisKeyPrefix: 'zg-admission:',
    replicaId: 'replica-1',
    zoomApiBaseUrl: 'http://zoom.invalid/v2',
    zoomApiBaseUrlExplicit: true,
    cacheTtlSeconds: 0,
    failedMeetingsRetentionDays: 30,
  });
}

/** A record written `ageDays` ago (created and last changed then). */
function record(status: MeetingStatus, ageDays: number): MeetingEntity {
  return newMeetingRecord(
    { hostUser: 'me', status, createdBy: 'app', now: new Date(Date.now() - ageDays * DAY_MS) },
    { topic: `${status} ${ageDays}d` },
  );
}

/** What a create settled as: 201, or the gateway's own refusal's status. */
async function outcome(create: Promise<unknown>): Promise<number> {
  try {
    await create;
    return 201;
  } catch (error) {
    if (error instanceof DomainError) return error.status;
    throw error;
  }
}

describe('Meeting records only for calls Zoom saw', () => {
  let database: MigratedSqlite;
  let dataSource: DataSource;
  let zoom: CountingZoom;
  let tokenError: Error | undefined;
  let meetings: MeetingsService;
  let repository: MeetingsRepository;
  let daily: DailyLimits;
  let shutdown: ShutdownSignal;
  let jobs: JobsService[];

  const rows = () => dataSource.getRepository(MeetingEntity).find();
  const posts = () => zoom.sent.filter((r) => r.method === 'POST').length;

  beforeAll(async () => {
    database = await migratedSqlite('admission');
    dataSource = database.dataSource;
  });

  afterAll(async () => {
    await database.close();
  });

  beforeEach(async () => {
    await dataSource.query('DELETE FROM meetings');
    zoom = new CountingZoom();
    tokenError = undefined;
    shutdown = new ShutdownSignal();
    const config = testConfig();
    const clock = new Clock();
    const metrics = new MetricsService();
    const pubsub = new PubSubService(null, null, config);
    const scheduler = new JobsService(config, new LeaseService(null, config, clock));
    jobs = [scheduler];
    const limits = new RateLimits(config, null, pubsub);
    const blocks = new DailyBlocks(config, clock, null, pubsub, scheduler);
    await limits.onModuleInit();
    await blocks.onModuleInit();
    daily = new DailyLimits(config, clock, null, blocks, metrics, pubsub);
    await daily.onModuleInit();
    const governor = new RateLimitGovernor(config, clock, null, metrics, limits, daily, shutdown);
    const tokens = {
      getToken: () => (tokenError ? Promise.reject(tokenError) : Promise.resolve(token)),
      onAnswer: () => Promise.resolve({ done: true }),
    };
    const moduleRef = await Test.createTestingModule({
      providers: [
        MeetingsService,
        MeetingsRepository,
        MeetingLifecycle,
        IdempotencyService,
        ZoomMeetingFinder,
        ZoomApiClient,
        ZoomAttempt,
        { provide: Clock, useValue: clock },
        { provide: ShutdownSignal, useValue: shutdown },
        { provide: AppConfig, useValue: config },
        { provide: MetricsService, useValue: metrics },
        { provide: RateLimitGovernor, useValue: governor },
        { provide: ZoomHttpTransport, useValue: zoom },
        { provide: ZoomTokenService, useValue: tokens },
        {
          provide: getRepositoryToken(MeetingEntity),
          useValue: dataSource.getRepository(MeetingEntity),
        },
        { provide: EncryptionService, useValue: new EncryptionService(randomBytes(32)) },
        { provide: ZoomReadCache, useValue: new ZoomReadCache(config, metrics) },
      ],
    }).compile();
    meetings = moduleRef.get(MeetingsService);
    repository = moduleRef.get(MeetingsRepository);
  });

  afterEach(() => {
    // Ends every wait still in line, and the timers of the jobs started.
    shutdown.trigger();
    for (const scheduler of jobs) scheduler.onModuleDestroy();
  });

  it('leaves no record for creates the governor refused (queue full, shutdown), keyed or not', async () => {
    // Light at 1/s: about 15 calls fit the 15 s line, the rest are refused at once with 429.
    const creates = Array.from({ length: 24 }, (_, i) =>
      outcome(meetings.create(caller, 'me', body, i % 2 ? `key-${i}` : undefined)),
    );
    const settled: number[] = [];
    for (const create of creates) void create.then((status) => settled.push(status));
    await vi.waitFor(() => expect(settled.filter((s) => s === 429).length).toBeGreaterThan(3));
    // Calls still waiting in line end with 503 at shutdown, never sent.
    shutdown.trigger();
    const statuses = await Promise.all(creates);
    expect(statuses.every((s) => [201, 429, 503].includes(s))).toBe(true);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    const created = statuses.filter((s) => s === 201).length;
    expect(created).toBeGreaterThanOrEqual(1);
    expect(posts()).toBe(created);
    // One record per call Zoom saw, each active; no failed or dangling claim for the others.
    const records = await rows();
    expect(records).toHaveLength(created);
    expect(records.map((r) => r.status)).toEqual(records.map((): MeetingStatus => 'active'));
  });

  it('deletes the claim of an Idempotency-Key whose call never left, so the retry takes the key afresh', async () => {
    tokenError = new DomainError(ErrorCode.ZoomUnavailable, 'no token now');
    await expect(meetings.create(caller, 'me', body, 'key-retry')).rejects.toBe(tokenError);
    await expect(meetings.create(caller, 'me', body)).rejects.toBe(tokenError);
    expect(await rows()).toEqual([]);
    tokenError = undefined;
    await expect(meetings.create(caller, 'me', body, 'key-retry')).resolves.toMatchObject({
      status: 201,
    });
    const records = await rows();
    expect(records.map((r) => [r.status, r.idempotencyKeyHash !== null])).toEqual([
      ['active', true],
    ]);
    expect(posts()).toBe(1);
  });

  it('sends nothing and gives the daily count back when the record cannot be written', async () => {
    vi.spyOn(repository, 'insert').mockRejectedValueOnce(new Error('database is locked'));
    await expect(meetings.create(caller, 'me', body)).rejects.toThrow('database is locked');
    expect(posts()).toBe(0);
    await expect(daily.spent('host:me')).resolves.toBe(0);
    await expect(meetings.create(caller, 'me', body)).resolves.toMatchObject({ status: 201 });
    await expect(daily.spent('host:me')).resolves.toBe(1);
    expect((await rows()).map((r) => r.status)).toEqual(['active']);
  });

  describe(FailedRecordsPruner.name, () => {
    it('deletes failed records past FAILED_MEETINGS_RETENTION_DAYS in batches, one fleet job, and says how many', async () => {
      const table = dataSource.getRepository(MeetingEntity);
      const old = Array.from({ length: 1_203 }, () => record('failed', 31));
      for (let i = 0; i < old.length; i += 200) await table.insert(old.slice(i, i + 200));
      const kept = [
        record('failed', 29),
        record('active', 400),
        record('deleted', 400),
        record('creating', 400),
      ];
      await table.insert(kept);
      const deletes = vi.spyOn(repository, 'deleteFailedBefore');
      const log = vi.spyOn(Logger.prototype, 'log');
      const config = testConfig();
      const clock = new Clock();
      const scheduler = new JobsService(config, new LeaseService(null, config, clock));
      jobs.push(scheduler);
      const pruner = new FailedRecordsPruner(repository, config, clock, scheduler, shutdown);
      // Scheduled as a fleet job, and run once at start.
      pruner.onApplicationBootstrap();
      expect(scheduler.isScheduled(FAILED_RECORDS_PRUNE_JOB)).toBe(true);
      await vi.waitFor(() =>
        expect(log).toHaveBeenCalledWith(
          'Pruned 1203 failed meeting record(s) older than 30 day(s)',
        ),
      );
      expect(deletes).toHaveBeenCalledTimes(3);
      const left = await table.find();
      expect(left.map((r) => r.id).sort()).toEqual(kept.map((r) => r.id).sort());
      // Nothing past the retention is left: a second run deletes nothing and says nothing.
      log.mockClear();
      await expect(pruner.prune()).resolves.toBe(0);
      expect(log).not.toHaveBeenCalled();
    });
  });
});
