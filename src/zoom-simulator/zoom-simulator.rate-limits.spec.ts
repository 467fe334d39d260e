import { ManualClock, startSim, type SimHarness } from './testing/sim-test-helpers.js';
import { RateLimiter } from './sim-rate-limits.js';
import { ZoomSimulator } from './zoom-simulator.js';

const QPS_BODY = {
  code: 429,
  message: 'You have reached the maximum per-second rate limit for this API. Try again later.',
};

async function statuses(n: number, call: () => Promise<{ status: number }>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await call()).status);
  return out;
}

describe(ZoomSimulator.name, () => {
  let h: SimHarness;
  let clock: ManualClock;
  let token: string;

  const create = () => h.api(token, 'POST', '/users/me/meetings', { topic: 'x' });
  const get = () => h.api(token, 'GET', '/meetings/12345678901');

  beforeEach(async () => {
    // 10:00:00.000 UTC, the start of a one-second window
    clock = new ManualClock(Date.UTC(2026, 0, 15, 10, 0, 0));
    h = await startSim({ clock: clock.fn });
    token = await h.token();
  });

  afterEach(async () => {
    await h.close();
  });

  describe('per-second limits', () => {
    it('answers 429 with Zoom’s body and headers past 20 Medium calls in one second on Pro', async () => {
      const first = await statuses(20, create);
      const limited = await create();
      expect(first.every((s) => s === 201)).toBe(true);
      expect([limited.status, limited.body]).toEqual([429, QPS_BODY]);
      expect({
        category: limited.headers.get('x-ratelimit-category'),
        type: limited.headers.get('x-ratelimit-type'),
        limit: limited.headers.get('x-ratelimit-limit'),
        remaining: limited.headers.get('x-ratelimit-remaining'),
      }).toEqual({ category: 'Medium', type: 'QPS', limit: '20', remaining: '0' });
      expect(h.sim.control.stats().rateLimited).toBe(1);
    });

    it('opens a fresh window at the next clock second (fixed one-second buckets)', async () => {
      await statuses(20, create);
      clock.advance(999);
      const sameSecond = await create();
      clock.advance(1);
      const nextSecond = await create();
      expect([sameSecond.status, nextSecond.status]).toEqual([429, 201]);
    });

    it('keeps Light and Medium budgets apart: 30 Light calls per second on Pro', async () => {
      await statuses(20, create);
      const light = await statuses(31, get);
      expect([light.slice(0, 30).every((s) => s === 404), light[30]]).toEqual([true, 429]);
    });

    it('uses Business numbers when the plan is business', async () => {
      h.sim.control.setPlan('business');
      const light = await statuses(81, get);
      expect([light.filter((s) => s === 404).length, light[80]]).toEqual([80, 429]);
    });

    it('uses Free numbers when the plan is free', async () => {
      h.sim.control.setPlan('free');
      const light = await statuses(5, get);
      expect(light).toEqual([404, 404, 404, 404, 429]);
    });

    it('serves everything when rate limits are off', async () => {
      h.sim.control.setRateLimits(false);
      const light = await statuses(40, get);
      expect(light.every((s) => s === 404)).toBe(true);
    });
  });

  describe('daily limit per host user', () => {
    it('answers 429 Daily-limit with Retry-After at the next UTC midnight past 100 creates and updates', async () => {
      h.sim.control.setDailyMeetingLimit(3);
      const made = await create();
      await h.api(token, 'PATCH', `/meetings/${made.body.id}`, { topic: 'y' });
      const third = await create();
      clock.advance(1000);
      const fourth = await create();
      expect([third.status, fourth.status, fourth.body]).toEqual([
        201,
        429,
        {
          code: 429,
          message:
            'You have exceeded the daily rate limit (3) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00.',
        },
      ]);
      expect({
        type: fourth.headers.get('x-ratelimit-type'),
        limit: fourth.headers.get('x-ratelimit-limit'),
        remaining: fourth.headers.get('x-ratelimit-remaining'),
        retryAfter: fourth.headers.get('retry-after'),
      }).toEqual({
        type: 'Daily-limit',
        limit: '3',
        remaining: '0',
        retryAfter: '2026-01-16T00:00:00Z',
      });
    });

    it('defaults to 100 per user and counts each host separately', async () => {
      h.sim.control.setPlan('business');
      const other = h.sim.control.addUser({ email: 'other@example.com' });
      const results: number[] = [];
      for (let i = 0; i < 101; i++) {
        if (i % 50 === 0) clock.advance(1000);
        results.push((await create()).status);
      }
      const forOther = await h.api(token, 'POST', `/users/${other.id}/meetings`, { topic: 'x' });
      expect([results.filter((s) => s === 201).length, results[100], forOther.status]).toEqual([
        100, 429, 201,
      ]);
    });

    it('resets at 00:00:00 UTC', async () => {
      h.sim.control.setDailyMeetingLimit(1);
      await create();
      const limited = await create();
      clock.now = Date.UTC(2026, 0, 16, 0, 0, 0);
      token = await h.token();
      const nextDay = await create();
      expect([limited.status, nextDay.status]).toEqual([429, 201]);
    });
  });

  describe('free plan daily account limits', () => {
    it('refuses the 2001st Medium call of a UTC day on Free, until midnight', () => {
      const limiter = new RateLimiter();
      let now = Date.UTC(2026, 0, 15, 0, 0, 0);
      let passed = 0;
      for (let i = 0; i < 2000; i++) {
        if (i % 2 === 0) now += 1000;
        if (limiter.takeAccount('Medium', 'free', now).ok) passed++;
      }
      now += 1000;
      const refused = limiter.takeAccount('Medium', 'free', now);
      const nextDay = limiter.takeAccount('Medium', 'free', Date.UTC(2026, 0, 16, 0, 0, 0));
      expect([passed, refused, nextDay]).toEqual([
        2000,
        {
          ok: false,
          type: 'Daily-limit',
          scope: 'account',
          category: 'Medium',
          limit: 2000,
          retryAt: Date.UTC(2026, 0, 16),
        },
        { ok: true, category: 'Medium', limit: 2, remaining: 1 },
      ]);
    });
  });
});
