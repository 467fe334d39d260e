import { ManualClock, startSim, type SimHarness } from './testing/sim-test-helpers.js';
import { ZoomSimulator } from './zoom-simulator.js';

describe(ZoomSimulator.name, () => {
  let h: SimHarness;
  let clock: ManualClock;
  let token: string;

  beforeEach(async () => {
    clock = new ManualClock();
    h = await startSim({ clock: clock.fn, rateLimits: false });
    token = await h.token();
  });

  afterEach(async () => {
    await h.close();
  });

  describe('users', () => {
    it('answers Zoom’s user object for me, an id and an e-mail address alike', async () => {
      const me = await h.api(token, 'GET', '/users/me');
      const byId = await h.api(token, 'GET', `/users/${me.body.id}`);
      const byEmail = await h.api(token, 'GET', '/users/SIM-OWNER@example.com');
      expect(me.body).toMatchObject({
        id: h.sim.ownerUser.id,
        first_name: 'Sim',
        last_name: 'Owner',
        display_name: 'Sim Owner',
        email: 'sim-owner@example.com',
        type: 2,
        pmi: expect.any(Number),
        timezone: 'UTC',
        dept: '',
        created_at: '2020-01-01T00:00:00Z',
        last_login_time: expect.any(String),
        status: 'active',
        role_id: '0',
        account_id: 'sim-account-id',
      });
      expect([byId.body, byEmail.body]).toEqual([me.body, me.body]);
    });

    it('answers 404/1001 naming the user it does not know', async () => {
      const res = await h.api(token, 'GET', '/users/nobody-here');
      expect([res.status, res.body]).toEqual([
        404,
        { code: 1001, message: 'User does not exist: nobody-here.' },
      ]);
    });

    it('lists the owner and the two seeded members with Zoom’s paging fields', async () => {
      const res = await h.api(token, 'GET', '/users');
      expect(res.body).toMatchObject({
        page_count: 1,
        page_number: 1,
        page_size: 30,
        total_records: 3,
        next_page_token: '',
      });
      expect(res.body.users.map((u: { email: string }) => u.email)).toEqual([
        'sim-owner@example.com',
        'sim-member-1@example.com',
        'sim-member-2@example.com',
      ]);
    });

    it('pages users with page_size and next_page_token, and caps page_size at 300', async () => {
      h.sim.control.addUser({ email: 'added@example.com' });
      const first = await h.api(token, 'GET', '/users?page_size=3');
      const second = await h.api(
        token,
        'GET',
        `/users?page_size=3&next_page_token=${first.body.next_page_token}`,
      );
      const capped = await h.api(token, 'GET', '/users?page_size=1000');
      expect([first.body.users.length, first.body.page_count, first.body.total_records]).toEqual([
        3, 2, 4,
      ]);
      expect([second.body.users[0].email, second.body.next_page_token]).toEqual([
        'added@example.com',
        '',
      ]);
      expect(capped.body.page_size).toBe(300);
    });

    it('answers an empty list for inactive users and 400/300 for an unknown status', async () => {
      const inactive = await h.api(token, 'GET', '/users?status=inactive');
      const bad = await h.api(token, 'GET', '/users?status=sleeping');
      expect([inactive.body.total_records, bad.status, bad.body.code]).toEqual([0, 400, 300]);
    });
  });

  describe('next_page_token', () => {
    it('expires 15 minutes after it was issued: 400/300 as Zoom answers', async () => {
      const first = await h.api(token, 'GET', '/users?page_size=1');
      clock.advance(15 * 60_000);
      const inTime = await h.api(
        token,
        'GET',
        `/users?page_size=1&next_page_token=${first.body.next_page_token}`,
      );
      clock.advance(1);
      const late = await h.api(
        token,
        'GET',
        `/users?page_size=1&next_page_token=${first.body.next_page_token}`,
      );
      expect(inTime.status).toBe(200);
      expect([late.status, late.body]).toEqual([
        400,
        { code: 300, message: 'The next page token is invalid or expired.' },
      ]);
    });

    it('expires on the meetings list too', async () => {
      for (let i = 0; i < 2; i++)
        await h.api(token, 'POST', '/users/me/meetings', { topic: `m${i}` });
      const first = await h.api(token, 'GET', '/users/me/meetings?page_size=1');
      clock.advance(16 * 60_000);
      const late = await h.api(
        token,
        'GET',
        `/users/me/meetings?page_size=1&next_page_token=${first.body.next_page_token}`,
      );
      expect([late.status, late.body.code]).toEqual([400, 300]);
    });
  });
});
