import {
  ManualClock,
  startSim,
  type HttpResult,
  type SimHarness,
} from './testing/sim-test-helpers.js';
import { RateLimiter } from './sim-rate-limits.js';
import { dailyPoolsOf } from './sim-rate-tables.js';
import type { ZoomSimulatorOptions } from './sim-types.js';
import { ZoomSimulator } from './zoom-simulator.js';

const QPS_BODY = {
  code: 429,
  message: 'You have reached the maximum per-second rate limit for this API. Try again later.',
};
const DAILY_BODY = {
  code: 429,
  message:
    'You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request.',
};

async function statuses(n: number, call: () => Promise<{ status: number }>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await call()).status);
  return out;
}

const rateHeaders = (r: HttpResult) => ({
  category: r.headers.get('x-ratelimit-category'),
  type: r.headers.get('x-ratelimit-type'),
  limit: r.headers.get('x-ratelimit-limit'),
  remaining: r.headers.get('x-ratelimit-remaining'),
});

const rateHeaderNames = (r: HttpResult) =>
  [...r.headers.keys()].filter((k) => k.startsWith('x-ratelimit'));

describe(ZoomSimulator.name, () => {
  let h: SimHarness;
  let clock: ManualClock;
  let token: string;

  // Labels from Zoom's route table: list meetings Medium, get meeting Light, invoice reports
  // Heavy, meeting metrics Resource-intensive (none but the first two served by the simulator).
  const list = () => h.api(token, 'GET', '/users/me/meetings');
  const get = () => h.api(token, 'GET', '/meetings/12345678901');
  const heavy = () => h.api(token, 'GET', '/accounts/billing/invoice_reports');
  const intensive = () => h.api(token, 'GET', '/metrics/meetings');

  const start = async (options: ZoomSimulatorOptions = {}) => {
    // 10:00:00.000 UTC, the start of a clock second and a clock minute
    clock = new ManualClock(Date.UTC(2026, 0, 15, 10, 0, 0));
    h = await startSim({ clock: clock.fn, ...options });
    token = await h.token();
  };

  afterEach(async () => {
    await h.close();
  });

  describe('per-second limits', () => {
    beforeEach(() => start());

    it('answers 429 with Zoom’s body and headers past 20 Medium calls in one second on Pro', async () => {
      const first = await statuses(20, list);
      const limited = await list();
      expect(first.every((s) => s === 200)).toBe(true);
      expect([limited.status, limited.body]).toEqual([429, QPS_BODY]);
      expect(rateHeaders(limited)).toEqual({
        category: 'Medium',
        type: 'QPS',
        limit: '20',
        remaining: '0',
      });
      expect(h.sim.control.stats().rateLimited).toBe(1);
      expect(h.sim.control.stats().rateLimitedBy.qps).toBe(1);
    });

    it('opens a fresh window at the next clock second (fixed one-second buckets)', async () => {
      await statuses(20, list);
      clock.advance(999);
      const sameSecond = await list();
      clock.advance(1);
      const nextSecond = await list();
      expect([sameSecond.status, nextSecond.status]).toEqual([429, 200]);
    });

    it('keeps Light and Medium budgets apart: 30 Light calls per second on Pro', async () => {
      await statuses(20, list);
      const light = await statuses(31, get);
      expect([light.slice(0, 30).every((s) => s === 404), light[30]]).toEqual([true, 429]);
    });

    it('takes the category of a meeting create from Zoom’s route table: Light', async () => {
      const created = await h.api(token, 'POST', '/users/me/meetings', { topic: 'x' });
      expect([created.status, rateHeaders(created)]).toEqual([
        201,
        { category: 'Light', type: 'QPS', limit: '30', remaining: '29' },
      ]);
    });

    it('counts a route the simulator does not serve by its label, then answers 404', async () => {
      const calls = await Promise.all(Array.from({ length: 11 }, heavy));
      const codes = calls.map((r) => r.status).sort((a, b) => a - b);
      expect(codes).toEqual([...Array<number>(10).fill(404), 429]);
      expect(calls.find((r) => r.status === 404)?.headers.get('x-ratelimit-category')).toBe(
        'Heavy',
      );
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

  describe('Resource-intensive', () => {
    beforeEach(() => start());

    it('allows 10 calls per clock minute on Pro, the 11th refused until the next minute', async () => {
      const first = await statuses(10, () => {
        clock.advance(1000);
        return intensive();
      });
      clock.now = Date.UTC(2026, 0, 15, 10, 0, 59, 999);
      const sameMinute = await intensive();
      clock.advance(1);
      const nextMinute = await intensive();
      expect(first.every((s) => s === 404)).toBe(true);
      expect([sameMinute.status, sameMinute.body, nextMinute.status]).toEqual([429, QPS_BODY, 404]);
      expect(rateHeaders(sameMinute)).toEqual({
        category: 'Resource-intensive',
        type: 'QPS',
        limit: '10',
        remaining: '0',
      });
    });

    it('allows 20 per minute on Business', async () => {
      h.sim.control.setPlan('business');
      const calls = await statuses(21, intensive);
      expect([calls.filter((s) => s === 404).length, calls[20]]).toEqual([20, 429]);
    });
  });

  describe('Zoom Phone', () => {
    beforeEach(() => start());

    it('counts a phone route on the phone table: 10 Medium calls per second on Pro, not 20', async () => {
      h.sim.control.setPhoneRecording({ bytes: 16 });
      const download = () => h.api(token, 'GET', '/phone/recording/download/rec-1');
      const phone = await statuses(11, download);
      const general = await list();
      expect([phone.filter((s) => s === 200).length, phone[10], general.status]).toEqual([
        10, 429, 200,
      ]);
      expect(Object.keys(h.sim.control.rateLimits().buckets).sort()).toEqual([
        'medium',
        'phone.medium',
      ]);
    });

    it('uses the phone table’s Business numbers: 40 Light calls per second', async () => {
      h.sim.control.setPlan('business');
      const calls = await statuses(41, () => h.api(token, 'GET', '/phone/account_settings'));
      expect([calls.filter((s) => s === 404).length, calls[40]]).toEqual([40, 429]);
    });
  });

  describe('account daily caps', () => {
    it('shares one cap between Heavy and Resource-intensive calls, until 00:00 UTC', async () => {
      await start({ dailyLimits: { 'heavy+resource_intensive': 3 } });
      const admitted = [await heavy(), await intensive(), await heavy()].map((r) => r.status);
      clock.advance(1000);
      const refusedIntensive = await intensive();
      const refusedHeavy = await heavy();
      const light = await get();
      clock.now = Date.UTC(2026, 0, 16, 0, 0, 0);
      token = await h.token();
      const nextDay = await heavy();
      expect(admitted).toEqual([404, 404, 404]);
      expect([refusedIntensive.status, refusedIntensive.body]).toEqual([429, DAILY_BODY]);
      expect([refusedHeavy.status, light.status, nextDay.status]).toEqual([429, 404, 404]);
      expect({
        ...rateHeaders(refusedHeavy),
        retryAfter: refusedHeavy.headers.get('retry-after'),
      }).toEqual({
        category: 'Heavy',
        type: 'Daily-limit',
        limit: '3',
        remaining: '0',
        retryAfter: '2026-01-16T00:00:00Z',
      });
    });

    it('keeps the phone table’s daily cap apart from the general one', async () => {
      await start({ dailyLimits: { 'phone.heavy+resource_intensive': 1 } });
      const callLogs = () => h.api(token, 'GET', '/phone/call_logs');
      const first = await callLogs();
      clock.advance(1000);
      const second = await callLogs();
      const general = await heavy();
      expect([first.status, second.status, general.status]).toEqual([404, 429, 404]);
      expect(h.sim.control.stats().rateLimitedBy.daily_account).toBe(1);
    });

    it('gives Free its own cap per category (6000 / 2000 / 1000 / 30000)', async () => {
      await start({ plan: 'free' });
      const limits = Object.fromEntries(
        Object.entries(h.sim.control.rateLimits().daily).map(([pool, d]) => [pool, d.limit]),
      );
      expect(limits).toEqual({
        light: 6000,
        medium: 2000,
        heavy: 1000,
        resource_intensive: 30000,
        'phone.heavy+resource_intensive': 15000,
        'contact_center.heavy+resource_intensive': 15000,
      });
    });

    it('refuses the 2001st Medium call of a UTC day on Free, until midnight', () => {
      const limiter = new RateLimiter();
      const limits = {
        perWindow: 2,
        pools: dailyPoolsOf('free', {}),
        scoped: { host_user: 100, registrant: 3, registrant_status: 10 },
      };
      const medium = { product: 'general', category: 'medium' } as const;
      let now = Date.UTC(2026, 0, 15, 0, 0, 0);
      let passed = 0;
      for (let i = 0; i < 2000; i++) {
        if (i % 2 === 0) now += 1000;
        if (limiter.take(medium, limits, now).ok) passed++;
      }
      now += 1000;
      const refused = limiter.take(medium, limits, now);
      const nextDay = limiter.take(medium, limits, Date.UTC(2026, 0, 16, 0, 0, 0));
      expect([passed, refused, nextDay]).toEqual([
        2000,
        {
          ok: false,
          kind: 'daily_account',
          category: 'Medium',
          limit: 2000,
          retryAt: Date.UTC(2026, 0, 16),
        },
        { ok: true, category: 'Medium', limit: 2, remaining: 1 },
      ]);
    });

    it('shares 30,000 a day between Heavy and Resource-intensive on Pro, 60,000 on Business', async () => {
      await start();
      const pro = h.sim.control.rateLimits().daily['heavy+resource_intensive'].limit;
      h.sim.control.setPlan('business');
      const business = h.sim.control.rateLimits().daily;
      expect([pro, business['heavy+resource_intensive'].limit]).toEqual([30000, 60000]);
      expect(business['phone.heavy+resource_intensive'].limit).toBe(30000);
    });

    it('rejects a daily limit it does not know, and a negative one', async () => {
      await start();
      expect(() => h.sim.control.setDailyLimits({ 'video.heavy': 1 })).toThrow(
        'unknown daily limit: video.heavy',
      );
      expect(() => h.sim.control.setScopedDailyLimits({ registrant: -1 })).toThrow(
        'registrant daily limit must be an integer >= 0',
      );
    });
  });

  describe('with and without rate-limit headers', () => {
    it('sends X-RateLimit-* and Retry-After on a daily 429 when headers are on', async () => {
      await start({ dailyLimits: { 'heavy+resource_intensive': 0 } });
      const refused = await heavy();
      expect([refused.status, rateHeaders(refused), refused.headers.get('retry-after')]).toEqual([
        429,
        { category: 'Heavy', type: 'Daily-limit', limit: '0', remaining: '0' },
        '2026-01-16T00:00:00Z',
      ]);
    });

    it('sends no X-RateLimit-* with rateLimitHeaders none, on ordinary answers, QPS and daily 429s', async () => {
      await start({ rateLimitHeaders: 'none', dailyLimits: { 'heavy+resource_intensive': 1 } });
      const ok = await list();
      await statuses(19, list);
      const qps = await list();
      await heavy();
      const daily = await heavy();
      expect([ok.status, qps.status, daily.status]).toEqual([200, 429, 429]);
      expect([rateHeaderNames(ok), rateHeaderNames(qps), rateHeaderNames(daily)]).toEqual([
        [],
        [],
        [],
      ]);
      expect([qps.body, daily.body]).toEqual([QPS_BODY, DAILY_BODY]);
      expect(daily.headers.get('retry-after')).toBe('2026-01-16T00:00:00Z');
    });
  });
});
