import { ManualClock, startSim, type SimHarness } from './testing/sim-test-helpers.js';
import type { ZoomSimulatorOptions } from './sim-types.js';
import { ZoomSimulator } from './zoom-simulator.js';

const hostLimitMessage = (limit: number) =>
  `You have exceeded the daily rate limit (${limit}) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00.`;

describe(ZoomSimulator.name, () => {
  let h: SimHarness;
  let clock: ManualClock;
  let token: string;

  const create = (userId = 'me') =>
    h.api(token, 'POST', `/users/${encodeURIComponent(userId)}/meetings`, { topic: 'x' });

  const register = (webinarId: string, email: string) =>
    h.api(token, 'POST', `/webinars/${webinarId}/batch_registrants`, {
      registrants: [{ email, first_name: 'R' }],
    });
  const registerForMeeting = (meetingId: string, email: string) =>
    h.api(token, 'POST', `/meetings/${meetingId}/registrants`, { email, first_name: 'R' });
  const status = (registrants: object[]) =>
    h.api(token, 'PUT', '/meetings/123/registrants/status', { action: 'approve', registrants });

  const start = async (options: ZoomSimulatorOptions = {}) => {
    clock = new ManualClock(Date.UTC(2026, 0, 15, 10, 0, 0));
    h = await startSim({ clock: clock.fn, ...options });
    token = await h.token();
  };

  afterEach(async () => {
    await h.close();
  });

  describe('daily limit per host user', () => {
    it('answers 429 Daily-limit with Retry-After at the next UTC midnight past the creates and updates allowed', async () => {
      await start();
      h.sim.control.setDailyMeetingLimit(3);
      const made = await create();
      await h.api(token, 'PATCH', `/meetings/${made.body.id}`, { topic: 'y' });
      const third = await create();
      clock.advance(1000);
      const fourth = await create();
      expect([third.status, fourth.status, fourth.body]).toEqual([
        201,
        429,
        { code: 429, message: hostLimitMessage(3) },
      ]);
      expect({
        category: fourth.headers.get('x-ratelimit-category'),
        type: fourth.headers.get('x-ratelimit-type'),
        limit: fourth.headers.get('x-ratelimit-limit'),
        remaining: fourth.headers.get('x-ratelimit-remaining'),
        retryAfter: fourth.headers.get('retry-after'),
      }).toEqual({
        category: 'Light',
        type: 'Daily-limit',
        limit: '3',
        remaining: '0',
        retryAfter: '2026-01-16T00:00:00Z',
      });
    });

    it('counts me, the owner’s e-mail and the owner’s id as one user', async () => {
      await start({ scopedDailyLimits: { host_user: 3 } });
      const owner = h.sim.ownerUser;
      const made = [await create('me'), await create(owner.email), await create(owner.id)];
      const fourth = await create(owner.email.toUpperCase());
      expect([...made.map((r) => r.status), fourth.status]).toEqual([201, 201, 201, 429]);
      expect(h.sim.control.rateLimits().scoped.host_user).toEqual({
        limit: 3,
        used: { [owner.id]: 3 },
        limited: 1,
      });
    });

    it('counts an update against the meeting’s host, not the caller', async () => {
      await start({ scopedDailyLimits: { host_user: 2 } });
      const other = h.sim.control.addUser({ email: 'host@example.com' });
      const meeting = await create(other.id);
      const update = () => h.api(token, 'PATCH', `/meetings/${meeting.body.id}`, { topic: 'y' });
      const updated = await update();
      const refused = await update();
      const forOwner = await create('me');
      expect([updated.status, refused.status, forOwner.status]).toEqual([204, 429, 201]);
    });

    it('defaults to 100 per user and counts each host separately', async () => {
      await start({ plan: 'business' });
      const other = h.sim.control.addUser({ email: 'other@example.com' });
      const results: number[] = [];
      for (let i = 0; i < 101; i++) {
        if (i % 25 === 0) clock.advance(1000);
        results.push((await create()).status);
      }
      const forOther = await create(other.id);
      expect([results.filter((s) => s === 201).length, results[100], forOther.status]).toEqual([
        100, 429, 201,
      ]);
    });

    it('counts webinar creates with meeting creates for the same host', async () => {
      await start({ scopedDailyLimits: { host_user: 1 } });
      const webinar = await h.api(token, 'POST', '/users/me/webinars', { topic: 'w' });
      const meeting = await create();
      expect([webinar.status, meeting.status]).toEqual([404, 429]);
    });

    it('resets at 00:00:00 UTC', async () => {
      await start({ dailyMeetingLimitPerUser: 1 });
      await create();
      const limited = await create();
      clock.now = Date.UTC(2026, 0, 16, 0, 0, 0);
      token = await h.token();
      const nextDay = await create();
      expect([limited.status, nextDay.status]).toEqual([429, 201]);
    });
  });

  describe('daily limit per registrant', () => {
    it('refuses a registrant’s 4th registration for one webinar, and not another registrant’s', async () => {
      await start();
      const first = await Promise.all([1, 2, 3].map(() => register('900', 'a@example.com')));
      const fourth = await register('900', 'a@example.com');
      const otherRegistrant = await register('900', 'b@example.com');
      const otherWebinar = await register('901', 'a@example.com');
      expect(first.map((r) => r.status)).toEqual([404, 404, 404]);
      expect([fourth.status, fourth.body]).toEqual([
        429,
        {
          code: 429,
          message:
            'You have exceeded the daily rate limit (3) of Webinar Batch Registration API requests permitted for (a@example.com) this particular registrant. You may resume these requests at GMT 00:00:00.',
        },
      ]);
      expect([otherRegistrant.status, otherWebinar.status]).toEqual([404, 404]);
      expect(h.sim.control.stats().rateLimitedBy.daily_registrant).toBe(1);
    });

    it('counts a meeting registration by the e-mail in its body', async () => {
      await start({ scopedDailyLimits: { registrant: 1 } });
      await registerForMeeting('123', 'c@example.com');
      const refused = await registerForMeeting('123', 'c@example.com');
      expect(refused.body.message).toBe(
        'You have exceeded the daily rate limit (1) of Meeting Registration API requests permitted for (c@example.com) this particular registrant. You may resume these requests at GMT 00:00:00.',
      );
    });

    it('allows 10 status changes per registrant per meeting a day, each registrant in the body counted', async () => {
      await start();
      const both = await statuses(10, () => status([{ id: 'r1' }, { email: 'd@example.com' }]));
      const refused = await status([{ email: 'e@example.com' }, { id: 'r1' }]);
      const alone = await status([{ email: 'e@example.com' }]);
      expect([both.every((s) => s === 404), refused.status, alone.status]).toEqual([
        true,
        429,
        404,
      ]);
      expect(refused.body.message).toBe(
        'You have exceeded the daily rate limit (10) of Meeting Registrant Status API requests permitted for (r1) this particular registrant. You may resume these requests at GMT 00:00:00.',
      );
    });
  });

  describe('counters', () => {
    it('reports per bucket the calls admitted in each clock window and the 429s by kind', async () => {
      await start({ plan: 'free' });
      const get = () => h.api(token, 'GET', '/users/me');
      await statuses(5, get);
      clock.advance(1000);
      await statuses(2, get);
      const report = h.sim.control.rateLimits();
      const second = Date.UTC(2026, 0, 15, 10, 0, 0);
      expect(report.buckets.light).toEqual({
        product: 'general',
        category: 'light',
        windowMs: 1000,
        limit: 4,
        admitted: 6,
        limited: 1,
        maxPerWindow: 4,
        windows: [
          { start: second, admitted: 4, limited: 1 },
          { start: second + 1000, admitted: 2, limited: 0 },
        ],
      });
      expect([report.daily.light.used, report.limited.qps]).toEqual([6, 1]);
      expect(h.sim.control.stats().rateLimitedBy).toEqual({
        qps: 1,
        daily_account: 0,
        daily_host_user: 0,
        daily_registrant: 0,
        daily_registrant_status: 0,
      });
    });

    it('marks each API call in the request log with its bucket and why it was refused', async () => {
      await start({ plan: 'free' });
      await statuses(5, () => h.api(token, 'GET', '/users/me'));
      const api = h.sim.control.requests().filter((r) => r.target === 'api');
      expect(api.map((r) => [r.bucket, r.rateLimited])).toEqual([
        ...Array.from({ length: 4 }, () => ['light', undefined]),
        ['light', 'qps'],
      ]);
    });

    it('starts again from zero after reset()', async () => {
      await start({ plan: 'free' });
      await statuses(5, () => h.api(token, 'GET', '/users/me'));
      h.sim.control.reset();
      const report = h.sim.control.rateLimits();
      expect([report.buckets, report.limited.qps, report.daily.light.used]).toEqual([{}, 0, 0]);
    });
  });
});

async function statuses(n: number, call: () => Promise<{ status: number }>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await call()).status);
  return out;
}
