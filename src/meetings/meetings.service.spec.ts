import { Test } from '@nestjs/testing';
import { getRepositoryToken } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { FakeClock } from '../common/testing/fake-clock.js';
import { ZoomApiError } from '../common/errors/index.js';
import { ShutdownSignal } from '../common/shutdown-signal.js';
import { EncryptionService } from '../common/crypto/encryption.service.js';
import { type MigratedSqlite, migratedSqlite } from '../database/testing/migrated-sqlite.js';
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
import { ZoomMeetingFinder } from './reconciliation/zoom-meeting-finder.js';

/** Zoom as these tests need it: every request recorded, answers chosen by the test. */
class ScriptedZoom {
  readonly requests: ZoomRequest[] = [];
  answer: (req: ZoomRequest) => unknown = () => ({});
  /** While set, the body as Zoom wrote it (as the real client reads it), parsed only on use. */
  writtenAs?: string;
  parses = 0;
  /** While set, creates wait for it (a call to Zoom in flight). */
  createsHeld?: Promise<void>;

  async request(req: ZoomRequest): Promise<ZoomResponse> {
    // Every call is admitted at once, as the governor admits one with room (a create records it now).
    await req.onAdmitted?.();
    this.requests.push(req);
    if (req.method === 'POST' && this.createsHeld) await this.createsHeld;
    const status = req.method === 'POST' ? 201 : 200;
    const text = this.writtenAs;
    if (text === undefined) return { status, data: this.answer(req), headers: {} };
    const parsed = () => {
      this.parses++;
      return JSON.parse(text) as unknown;
    };
    return {
      status,
      headers: {},
      text,
      get data() {
        return parsed();
      },
    };
  }
}

const caller = { name: 'app', admin: false };

/** A clock a minute behind: what it writes looks like an attempt whose replica stopped beating long ago. */
function minuteAgo(): FakeClock {
  const clock = new FakeClock('real');
  clock.advance(-60_000);
  return clock;
}

const unavailable = () => new ZoomApiError(503, { code: 503, message: 'unavailable' });

/** Creates that reached Zoom, less the one every test starts with. */
const creates = (zoom: ScriptedZoom) => zoom.requests.filter((r) => r.method === 'POST').length - 1;
const RECURRING = '85746065432';

describe(MeetingsService.name, () => {
  let database: MigratedSqlite;
  let dataSource: DataSource;
  let zoom: ScriptedZoom;
  let meetings: MeetingsService;
  let reconciler: CreatingReconciler;
  let repository: MeetingsRepository;
  let shutdown: ShutdownSignal;

  beforeAll(async () => {
    database = await migratedSqlite('meetings-service');
    dataSource = database.dataSource;
  });

  afterAll(async () => {
    await database.close();
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
        ZoomMeetingFinder,
        ShutdownSignal,
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
    shutdown = moduleRef.get(ShutdownSignal);
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
    expect(zoom.requests.at(-1)?.body).toEqual({
      topic: 'x',
      colour: 'red',
      settings: { newer: 1 },
    });
  });

  it('relays an int64 id above 2^53 exactly as Zoom wrote it', async () => {
    zoom.answer = () => ({ id: '9007199254740993123', topic: 'big' });
    const answer = await meetings.create(caller, 'me', { topic: 'big' });
    expect(answer.json).toContain('"id":9007199254740993123');
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

  it('relays a meeting read as Zoom wrote it (int64 id, escapes, spacing), without parsing it', async () => {
    const written = '{"id":95012345678901234, "topic":"caf\\u00e9 \\/ tea","duration":30}';
    zoom.writtenAs = written;
    zoom.parses = 0;
    try {
      const answer = await meetings.get('95012345678901234', {});
      expect(answer.json).toBe(written);
      expect(zoom.parses).toBe(0);
    } finally {
      zoom.writtenAs = undefined;
    }
  });

  it('passes occurrence_id on get to Zoom', async () => {
    await meetings.get(RECURRING, { occurrence_id: '1648194360000' });
    expect(zoom.requests.at(-1)?.query).toEqual({
      occurrence_id: '1648194360000',
    });
  });

  it('updates one occurrence in Zoom without rewriting the record of the whole meeting', async () => {
    await meetings.update(RECURRING, { topic: 'Moved once' }, { occurrence_id: '1648194360000' });
    expect(zoom.requests.at(-1)).toMatchObject({
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
    expect(zoom.requests.at(-1)).toMatchObject({
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
    const lifecycle = new MeetingLifecycle(repository, minuteAgo());
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
    expect(rows.map((r) => r.status)).toEqual(['creating']);
  });

  describe('a retry with the Idempotency-Key after Zoom failed', () => {
    const body = { topic: 'Retro', type: 2, duration: 30 };

    it('answers at once with the meeting Zoom made, without a second create', async () => {
      zoom.answer = (req) => {
        if (req.method === 'POST') throw unavailable();
        if (req.method === 'GET' && req.path.startsWith('/users/'))
          return { meetings: [{ id: 555000111, ...body, created_at: new Date().toISOString() }] };
        return { id: 555000111, ...body, start_url: 'https://zoom.example/s/555000111' };
      };
      await expect(meetings.create(caller, 'me', body, 'key-1')).rejects.toBeInstanceOf(
        ZoomApiError,
      );
      const started = Date.now();
      const answer = await meetings.create(caller, 'me', body, 'key-1');
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(answer).toMatchObject({ status: 201, replayed: true });
      expect(answer.json).toContain('"start_url"');
      expect(creates(zoom)).toBe(1);
      await expect(repository.findByZoomId('555000111')).resolves.toMatchObject({
        status: 'active',
      });
      // And a third call replays the stored answer without asking Zoom again.
      const calls = zoom.requests.length;
      await expect(meetings.create(caller, 'me', body, 'key-1')).resolves.toMatchObject({
        replayed: true,
      });
      expect(zoom.requests.length).toBe(calls);
    });

    it('makes a new attempt when Zoom made nothing', async () => {
      let failCreate = true;
      zoom.answer = (req) => {
        if (req.method === 'POST') {
          if (failCreate) throw unavailable();
          return { id: 555000222, ...body };
        }
        return { meetings: [] };
      };
      await expect(meetings.create(caller, 'me', body, 'key-2')).rejects.toBeInstanceOf(
        ZoomApiError,
      );
      failCreate = false;
      await expect(meetings.create(caller, 'me', body, 'key-2')).resolves.toMatchObject({
        status: 201,
      });
      expect(creates(zoom)).toBe(2);
      await expect(repository.findByZoomId('555000222')).resolves.toMatchObject({
        status: 'active',
      });
    });

    it('answers with the error when Zoom cannot be asked, and leaves the key for the next retry', async () => {
      zoom.answer = () => {
        throw unavailable();
      };
      await expect(meetings.create(caller, 'me', body, 'key-3')).rejects.toBeInstanceOf(
        ZoomApiError,
      );
      await expect(meetings.create(caller, 'me', body, 'key-3')).rejects.toBeInstanceOf(
        ZoomApiError,
      );
      expect(creates(zoom)).toBe(1);
      zoom.answer = (req) =>
        req.method === 'POST' ? { id: 555000333, ...body } : { meetings: [] };
      await expect(meetings.create(caller, 'me', body, 'key-3')).resolves.toMatchObject({
        status: 201,
      });
    });

    it('waits while the first attempt is really in flight, and ends the wait with 503 at shutdown', async () => {
      const held: { resolve?: () => void } = {};
      zoom.createsHeld = new Promise<void>((resolve) => (held.resolve = resolve));
      zoom.answer = () => ({ id: 555000444, ...body });
      const first = meetings.create(caller, 'me', body, 'key-4');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const retry = meetings.create(caller, 'me', body, 'key-4');
      await new Promise((resolve) => setTimeout(resolve, 300));
      shutdown.trigger();
      await expect(retry).rejects.toMatchObject({ code: 'service_unavailable', status: 503 });
      held.resolve?.();
      await expect(first).resolves.toMatchObject({ status: 201 });
    });
  });

  it("answers Zoom's 204 for an update even when the record write fails, and repairs it", async () => {
    const applyChange = vi
      .spyOn(repository, 'applyChange')
      .mockRejectedValueOnce(new Error('connection terminated'));
    await expect(
      meetings.update(RECURRING, { topic: 'Renamed in Zoom' }, {}),
    ).resolves.toMatchObject({ status: 204 });
    await vi.waitFor(
      async () => {
        const record = await repository.findByZoomId(RECURRING);
        if (record?.topic !== 'Renamed in Zoom') throw new Error('not repaired yet');
      },
      { timeout: 3_000, interval: 100 },
    );
    expect(applyChange).toHaveBeenCalledTimes(2);
  });
});
