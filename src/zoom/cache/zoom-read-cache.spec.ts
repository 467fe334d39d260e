import { AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { createRedisNamespace } from '../../../test/support/services.js';
import { ZoomReadCache } from './zoom-read-cache.js';

const answer = (body: string) => ({ contentType: 'application/json', body, storedAt: Date.now() });
const meeting = { kind: 'meeting', id: '85746065432' } as const;
const me = { kind: 'user', id: 'me' } as const;
const janeById = { kind: 'user', id: 'qFmEQAD-B5ecS7Ujdb' } as const;
const janeByEmail = { kind: 'user', id: 'jane@example.com' } as const;
/** What Zoom answers for a user (its id, and its email as the account spells it). */
const JANE = '{"id":"qFmEQAD-B5ecS7Ujdb","email":"Jane@Example.com","type":1}';

/** Which of these resources still answer from the cache. */
async function readAll(
  cache: ZoomReadCache,
  resources: { kind: 'meeting' | 'user'; id: string }[],
) {
  const hits: boolean[] = [];
  for (const resource of resources) hits.push((await cache.get(resource, '', false)) !== undefined);
  return hits;
}

function cacheWith(settings: Partial<AppConfig>): {
  cache: ZoomReadCache;
  metrics: MetricsService;
} {
  const config = Object.assign(new AppConfig(), { cacheTtlSeconds: 30, ...settings });
  const metrics = new MetricsService();
  return { cache: new ZoomReadCache(config, metrics), metrics };
}

describe(ZoomReadCache.name, () => {
  let namespace: Awaited<ReturnType<typeof createRedisNamespace>>;
  const opened: ZoomReadCache[] = [];

  beforeAll(async () => {
    namespace = await createRedisNamespace();
  });

  afterAll(async () => {
    for (const cache of opened) await cache.onModuleDestroy();
    await namespace.cleanup();
  });

  it('names the meetings and users whose GETs it keeps, and what a write below them changes', () => {
    expect(ZoomReadCache.resourceOf('/meetings/85746065432')).toEqual(meeting);
    expect(ZoomReadCache.resourceOf('/users/Jane%40Example.com')).toEqual({
      kind: 'user',
      id: 'jane@example.com',
    });
    // Ids are case-sensitive at Zoom: another spelling is another user (or none), never a hit.
    expect(ZoomReadCache.resourceOf('/users/qFmEQAD-B5ecS7Ujdb')).toEqual({
      kind: 'user',
      id: 'qFmEQAD-B5ecS7Ujdb',
    });
    expect(ZoomReadCache.writtenResource('/users/QFMEQAD-B5ECS7UJDB/settings')).toEqual({
      kind: 'user',
      id: 'QFMEQAD-B5ECS7UJDB',
    });
    expect(ZoomReadCache.resourceOf('/meetings/85746065432/registrants')).toBeUndefined();
    expect(ZoomReadCache.writtenResource('/meetings/85746065432/status')).toEqual(meeting);
  });

  it('keeps the latest answer of a resource for the query it answered, until invalidated', async () => {
    const { cache, metrics } = cacheWith({});
    await cache.set(meeting, '', answer('{"id":1}'));
    expect((await cache.get(meeting, '', false))?.body).toBe('{"id":1}');
    await cache.set(meeting, '?occurrence_id=1', answer('{"id":1,"o":1}'));
    expect((await cache.get(meeting, '?occurrence_id=1', false))?.body).toBe('{"id":1,"o":1}');
    expect(await cache.get(meeting, '', false)).toBeUndefined();
    expect(await cache.get(meeting, '?occurrence_id=1', true)).toBeUndefined();
    await cache.invalidate(meeting);
    expect(await cache.get(meeting, '?occurrence_id=1', false)).toBeUndefined();
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/zoom_cache_requests_total\{result="hit",resource="meeting"\} 2/);
    expect(text).toMatch(/zoom_cache_requests_total\{result="bypass",resource="meeting"\} 1/);
  });

  it("forgets /users/me too when a user is written by id, as it may be the token's own user", async () => {
    const { cache } = cacheWith({});
    const other = { kind: 'user', id: 'other@example.com' } as const;
    await cache.set(me, '', answer('{"id":"me"}'));
    await cache.set(other, '', answer('{"id":"other"}'));
    await cache.invalidate({ kind: 'user', id: 'qFmEQAD-B5ecS7Ujdb' });
    expect(await cache.get(me, '', false)).toBeUndefined();
    expect((await cache.get(other, '', false))?.body).toBe('{"id":"other"}');
  });

  it("forgets every name of the token's own user when it is written by any of them", async () => {
    const { cache } = cacheWith({});
    const other = { kind: 'user', id: 'other@example.com' } as const;
    const fill = async () => {
      await cache.set(me, '', answer(JANE));
      await cache.set(janeById, '', answer(JANE));
      await cache.set(janeByEmail, '', answer(JANE));
      await cache.set(other, '', answer('{"id":"other"}'));
    };
    await fill();
    await cache.invalidate(me);
    expect(await readAll(cache, [me, janeById, janeByEmail, other])).toEqual([
      false,
      false,
      false,
      true,
    ]);
    await fill();
    await cache.invalidate({ kind: 'user', id: 'jane@example.com' });
    expect(await readAll(cache, [me, janeById, janeByEmail, other])).toEqual([
      false,
      false,
      false,
      true,
    ]);
  });

  it('shares answers between replicas through Redis', async () => {
    const settings = { redisUrl: namespace.url, redisKeyPrefix: namespace.prefix };
    const [a, b] = [cacheWith(settings).cache, cacheWith(settings).cache];
    opened.push(a, b);
    await vi.waitFor(async () => {
      await a.set(meeting, '', answer('{"shared":true}'));
      expect((await b.get(meeting, '', false))?.body).toBe('{"shared":true}');
    });
    await b.invalidate(meeting);
    expect(await a.get(meeting, '', false)).toBeUndefined();
  });

  it("shares who /users/me is: a replica that never read it forgets the user's other entries", async () => {
    const settings = { redisUrl: namespace.url, redisKeyPrefix: namespace.prefix };
    const [reader, writer] = [cacheWith(settings).cache, cacheWith(settings).cache];
    opened.push(reader, writer);
    await vi.waitFor(async () => {
      await reader.set(me, '', answer(JANE));
      expect(await writer.get(me, '', false)).toBeDefined();
    });
    await reader.set(janeById, '', answer(JANE));
    await writer.invalidate(me);
    expect(await readAll(reader, [me, janeById])).toEqual([false, false]);
  });

  it('is a quick miss, never an error, when Redis does not answer', async () => {
    const { cache } = cacheWith({ redisUrl: 'redis://127.0.0.1:1', redisKeyPrefix: 'x:' });
    opened.push(cache);
    const started = Date.now();
    await cache.set(meeting, '', answer('{}'));
    expect(await cache.get(meeting, '', false)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('is off when CACHE_TTL_SECONDS is 0', async () => {
    const { cache } = cacheWith({ cacheTtlSeconds: 0 });
    await cache.set(meeting, '', answer('{}'));
    expect([cache.enabled, await cache.get(meeting, '', false)]).toEqual([false, undefined]);
  });

  describe('the one read policy (read, keep, forget)', () => {
    it('answers a read kept under one key, however the query was spelled, with the hit headers', async () => {
      const { cache } = cacheWith({});
      const headers: Record<string, string> = {};
      await cache.keep(
        '/meetings/85746065432',
        '?occurrence_id=1648194360000',
        { status: 200, contentType: 'application/json', body: '{"id":85746065432}' },
        headers,
      );
      expect(headers['x-cache']).toBe('MISS');
      const hit = await cache.read('/meetings/85746065432', 'occurrence_id=1648194360000', false);
      expect(hit?.body).toBe('{"id":85746065432}');
      expect(hit?.headers).toMatchObject({ 'x-cache': 'HIT', 'content-type': 'application/json' });
      expect(await cache.read('/meetings/85746065432', 'occurrence_id=1648194360000', true)).toBe(
        undefined,
      );
    });

    it('keeps neither an error nor a body that is not JSON, and says MISS all the same', async () => {
      const { cache } = cacheWith({});
      for (const kept of [
        { status: 404, contentType: 'application/json', body: '{"code":3001}' },
        { status: 200, contentType: 'text/html', body: '<html>' },
      ]) {
        const headers: Record<string, string> = {};
        await cache.keep('/users/jane@example.com', '', kept, headers);
        expect(headers['x-cache']).toBe('MISS');
      }
      expect(await cache.read('/users/jane@example.com', '', false)).toBe(undefined);
    });

    it('forgets what a write below a resource changed, and nothing on a read or a 5xx', async () => {
      const { cache } = cacheWith({});
      const keep = () =>
        cache.keep(
          '/meetings/85746065432',
          '',
          { status: 200, contentType: 'application/json', body: '{}' },
          {},
        );
      await keep();
      await cache.forget('GET', '/meetings/85746065432/registrants', 200);
      await cache.forget('PATCH', '/meetings/85746065432', 503);
      expect(await cache.read('/meetings/85746065432', '', false)).toBeDefined();
      await cache.forget('POST', '/meetings/85746065432/registrants', 201);
      expect(await cache.read('/meetings/85746065432', '', false)).toBe(undefined);
    });
  });
});
