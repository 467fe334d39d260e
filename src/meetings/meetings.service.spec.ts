import { Test } from '@nestjs/testing';
import { getRepositoryToken } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { EncryptionService } from '../common/crypto/encryption.service.js';
import { buildDataSourceOptions } from '../database/database.options.js';
import { runMigrations } from '../database/migration-runner.js';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ZoomReadCache } from '../zoom/cache/zoom-read-cache.js';
import { RateLimitGovernor } from '../zoom/api/rate-limit-governor.js';
import { ZoomApiClient } from '../zoom/api/zoom-api.client.js';
import type { ZoomRequest, ZoomResponse } from '../zoom/api/zoom-api.types.js';
import { IdempotencyService } from './idempotency.service.js';
import { MeetingEntity } from './meeting.entity.js';
import { MeetingLifecycle } from './meeting-lifecycle.service.js';
import { MeetingsRepository } from './meetings.repository.js';
import { MeetingsService } from './meetings.service.js';
import { CreatingReconciler } from './reconciliation/creating-reconciler.js';

/** Zoom as these tests need it: every request recorded, answers chosen by the test. */
class ScriptedZoom {
  readonly requests: ZoomRequest[] = [];
  answer: (req: ZoomRequest) => unknown = () => ({});

  async request(req: ZoomRequest): Promise<ZoomResponse> {
    this.requests.push(req);
    return { status: req.method === 'POST' ? 201 : 200, data: this.answer(req), headers: {} };
  }
}

const caller = { name: 'app', admin: false };
const RECURRING = '85746065432';

describe(MeetingsService.name, () => {
  let dir: string;
  let dataSource: DataSource;
  let zoom: ScriptedZoom;
  let meetings: MeetingsService;
  let reconciler: CreatingReconciler;
  let repository: MeetingsRepository;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zg-meetings-service-'));
    dataSource = await new DataSource(
      buildDataSourceOptions({ type: 'sqlite', path: join(dir, 'db.sqlite') }),
    ).initialize();
    await runMigrations(dataSource);
  });

  afterAll(async () => {
    await dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await dataSource.query('DELETE FROM meetings');
    zoom = new ScriptedZoom();
    const moduleRef = await Test.createTestingModule({
      providers: [
        MeetingsService,
        MeetingsRepository,
        MeetingLifecycle,
        IdempotencyService,
        CreatingReconciler,
        Clock,
        {
          provide: getRepositoryToken(MeetingEntity),
          useValue: dataSource.getRepository(MeetingEntity),
        },
        { provide: EncryptionService, useValue: new EncryptionService(randomBytes(32)) },
        { provide: ZoomApiClient, useValue: zoom },
        { provide: RateLimitGovernor, useValue: { assertNotBlocked: async () => undefined } },
        // Off (TTL 0): these tests count the calls that reach Zoom.
        {
          provide: ZoomReadCache,
          useValue: new ZoomReadCache(
            Object.assign(new AppConfig(), { cacheTtlSeconds: 0 }),
            new MetricsService(),
          ),
        },
      ],
    }).compile();
    meetings = moduleRef.get(MeetingsService);
    reconciler = moduleRef.get(CreatingReconciler);
    repository = moduleRef.get(MeetingsRepository);
    zoom.answer = () => ({
      id: Number(RECURRING),
      topic: 'Weekly',
      type: 8,
      created_at: '2025-01-01T00:00:00Z',
    });
    await meetings.create(caller, 'me', { topic: 'Weekly', type: 8 });
  });

  it('forwards fields it does not know to Zoom unchanged', async () => {
    zoom.answer = () => ({ id: 987654321 });
    await meetings.create(caller, 'me', { topic: 'x', colour: 'red', settings: { newer: 1 } });
    await expect(Promise.resolve(zoom.requests.at(-1)?.body)).resolves.toEqual({
      topic: 'x',
      colour: 'red',
      settings: { newer: 1 },
    });
  });

  it('relays an int64 id above 2^53 exactly as Zoom wrote it', async () => {
    zoom.answer = () => ({ id: '9007199254740993123', topic: 'big' });
    const answer = await meetings.create(caller, 'me', { topic: 'big' });
    await expect(Promise.resolve(answer.json)).resolves.toContain('"id":9007199254740993123');
    await expect(repository.findByZoomId('9007199254740993123')).resolves.toMatchObject({
      status: 'active',
    });
  });

  it('records a start_time with fractional seconds or an offset as its instant', async () => {
    zoom.answer = () => ({ id: 123456789, start_time: '2026-01-15T13:00:00+02:00' });
    await meetings.create(caller, 'me', { start_time: '2026-01-15T11:00:00.000Z' });
    await expect(repository.findByZoomId('123456789')).resolves.toMatchObject({
      startTime: new Date('2026-01-15T11:00:00Z'),
    });
  });

  it('passes occurrence_id on get to Zoom', async () => {
    await meetings.get(RECURRING, { occurrence_id: '1648194360000' });
    await expect(Promise.resolve(zoom.requests.at(-1)?.query)).resolves.toEqual({
      occurrence_id: '1648194360000',
    });
  });

  it('updates one occurrence in Zoom without rewriting the record of the whole meeting', async () => {
    await meetings.update(RECURRING, { topic: 'Moved once' }, { occurrence_id: '1648194360000' });
    await expect(Promise.resolve(zoom.requests.at(-1))).resolves.toMatchObject({
      method: 'PATCH',
      query: { occurrence_id: '1648194360000' },
      body: { topic: 'Moved once' },
    });
    await expect(repository.findByZoomId(RECURRING)).resolves.toMatchObject({
      topic: 'Weekly',
      status: 'active',
    });
  });

  it('deletes one occurrence in Zoom and keeps the record active', async () => {
    await meetings.delete(caller, RECURRING, { occurrence_id: '1648194360000' });
    await expect(Promise.resolve(zoom.requests.at(-1))).resolves.toMatchObject({
      method: 'DELETE',
      query: { occurrence_id: '1648194360000' },
    });
    await expect(repository.findByZoomId(RECURRING)).resolves.toMatchObject({ status: 'active' });
  });

  it('still rewrites and deletes the record for the whole meeting', async () => {
    await meetings.update(RECURRING, { topic: 'Renamed', duration: '45' }, {});
    await expect(repository.findByZoomId(RECURRING)).resolves.toMatchObject({
      topic: 'Renamed',
      duration: 45,
    });
    await meetings.delete(caller, RECURRING, {});
    await expect(repository.findByZoomId(RECURRING)).resolves.toMatchObject({ status: 'deleted' });
  });

  it('never marks an instant meeting failed in reconciliation, since Zoom does not list them', async () => {
    const lifecycle = new MeetingLifecycle(repository, new Clock());
    await lifecycle.begin(caller, 'me', { topic: 'Now', type: 1 });
    await lifecycle.begin(caller, 'me', { topic: 'Later', type: 2 });
    zoom.answer = () => ({ meetings: [], next_page_token: '' });
    await expect(reconciler.reconcile(0)).resolves.toEqual({
      examined: 1,
      active: 0,
      failed: 1,
      pending: 1,
    });
    const rows = await dataSource.getRepository(MeetingEntity).findBy({ topic: 'Now' });
    await expect(Promise.resolve(rows.map((r) => r.status))).resolves.toEqual(['creating']);
  });
});
