import { ManualClock, http, startSim, type SimHarness } from './testing/sim-test-helpers.js';
import { ZoomSimulator } from './zoom-simulator.js';

describe(ZoomSimulator.name, () => {
  let h: SimHarness;
  let clock: ManualClock;

  afterEach(async () => {
    await h.close();
  });

  describe('routes it does not model', () => {
    beforeEach(async () => {
      h = await startSim({ rateLimits: false });
    });

    it('answers 404 with a Zoom-shaped JSON body for an unknown /v2 path', async () => {
      const res = await h.api(await h.token(), 'GET', '/webinars/123/polls');
      expect([res.status, res.headers.get('content-type'), res.body]).toEqual([
        404,
        'application/json;charset=UTF-8',
        { code: 404, message: 'No handler found for GET /v2/webinars/123/polls' },
      ]);
    });

    it('answers 405 with Allow for a method a known path does not serve', async () => {
      const res = await h.api(await h.token(), 'PUT', '/meetings/123', { topic: 'x' });
      expect([res.status, res.headers.get('allow'), res.body]).toEqual([
        405,
        'GET, PATCH, DELETE',
        { code: 405, message: 'No handler found for PUT /v2/meetings/123' },
      ]);
    });
  });

  describe('rate-limit headers', () => {
    it('come on ordinary answers with the per-second budget left', async () => {
      h = await startSim({ clock: new ManualClock().fn });
      const token = await h.token();
      const first = await h.api(token, 'GET', '/users/me');
      const second = await h.api(token, 'GET', '/users/me');
      const created = await h.api(token, 'POST', '/users/me/meetings', { topic: 'x' });
      const listed = await h.api(token, 'GET', '/users/me/meetings');
      const headers = (r: typeof first) => [
        r.headers.get('x-ratelimit-category'),
        r.headers.get('x-ratelimit-type'),
        r.headers.get('x-ratelimit-limit'),
        r.headers.get('x-ratelimit-remaining'),
      ];
      expect([headers(first), headers(second), headers(created), headers(listed)]).toEqual([
        ['Light', 'QPS', '30', '29'],
        ['Light', 'QPS', '30', '28'],
        ['Light', 'QPS', '30', '27'],
        ['Medium', 'QPS', '20', '19'],
      ]);
    });

    it('are left out with rateLimitHeaders none, on 2xx and 429 alike, Retry-After kept', async () => {
      clock = new ManualClock();
      h = await startSim({
        clock: clock.fn,
        rateLimitHeaders: 'none',
        dailyMeetingLimitPerUser: 1,
      });
      const token = await h.token();
      const ok = await h.api(token, 'POST', '/users/me/meetings', {});
      const limited = await h.api(token, 'POST', '/users/me/meetings', {});
      const names = (r: typeof ok) =>
        [...r.headers.keys()].filter((k) => k.startsWith('x-ratelimit'));
      expect([ok.status, names(ok), limited.status, names(limited)]).toEqual([201, [], 429, []]);
      expect(limited.headers.get('retry-after')).toBe('2026-01-16T00:00:00Z');
    });

    it('can be switched off and on at run time', async () => {
      h = await startSim();
      const token = await h.token();
      h.sim.control.setRateLimitHeaders('none');
      const off = await h.api(token, 'GET', '/users/me');
      h.sim.control.setRateLimitHeaders('all');
      const on = await h.api(token, 'GET', '/users/me');
      expect([off.headers.has('x-ratelimit-limit'), on.headers.has('x-ratelimit-limit')]).toEqual([
        false,
        true,
      ]);
    });
  });

  describe('request log', () => {
    it('records every request: method, path, query, auth scheme, content type, body size, status', async () => {
      clock = new ManualClock();
      h = await startSim({ clock: clock.fn, rateLimits: false });
      const token = await h.token();
      await h.api(token, 'POST', '/users/me/meetings?x=1', { topic: 'Logged' });
      await http(`${h.base}/v2/users/me`);
      await http(`${h.base}/elsewhere`);
      const body = JSON.stringify({ topic: 'Logged' });
      expect(h.sim.control.requests()).toEqual([
        expect.objectContaining({
          method: 'POST',
          path: '/oauth/token',
          target: 'token',
          authorization: 'basic',
          contentType: 'application/x-www-form-urlencoded',
          status: 200,
        }),
        expect.objectContaining({
          seq: 2,
          at: clock.now,
          method: 'POST',
          path: '/v2/users/me/meetings',
          query: { x: '1' },
          target: 'api',
          route: 'POST /v2/users/:userId/meetings',
          authorization: 'bearer',
          contentType: 'application/json',
          contentLength: body.length,
          bodyBytes: body.length,
          status: 201,
        }),
        expect.objectContaining({ path: '/v2/users/me', authorization: 'none', status: 401 }),
        expect.objectContaining({ path: '/elsewhere', target: 'other', status: 404 }),
      ]);
    });

    it('marks a dropped connection and is cleared by reset()', async () => {
      h = await startSim({ rateLimits: false });
      const token = await h.token();
      h.sim.control.dropNext(1, { target: 'api' });
      await expect(h.api(token, 'GET', '/users/me')).rejects.toThrow();
      await vi.waitFor(() => expect(h.sim.control.requests().at(-1)?.dropped).toBe(true));
      h.sim.control.reset();
      expect(h.sim.control.requests()).toEqual([]);
    });
  });
});
