import { ManualClock, startSim, type SimHarness } from './testing/sim-test-helpers.js';
import { ZoomSimulator } from './zoom-simulator.js';

const failed = (field: string, message = 'Invalid field.') => ({
  code: 300,
  message: 'Validation Failed.',
  errors: [{ field, message }],
});

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

  const create = (body: unknown, userId = 'me') =>
    h.api(token, 'POST', `/users/${userId}/meetings`, body);

  describe('users', () => {
    it('answers the app owner for GET /users/me', async () => {
      const res = await h.api(token, 'GET', '/users/me');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: h.sim.ownerUser.id,
        email: 'sim-owner@example.com',
        account_id: 'sim-account-id',
        status: 'active',
      });
    });

    it('finds an added user by id and by email', async () => {
      const user = h.sim.control.addUser({ email: 'Ada@Example.com', firstName: 'Ada' });
      const byId = await h.api(token, 'GET', `/users/${user.id}`);
      const byEmail = await h.api(token, 'GET', '/users/ada@example.com');
      expect([byId.status, byId.body.first_name, byEmail.body.id]).toEqual([200, 'Ada', user.id]);
    });

    it('answers 404/1001 for an unknown user', async () => {
      const res = await h.api(token, 'GET', '/users/ghost@example.com');
      expect([res.status, res.body]).toEqual([
        404,
        { code: 1001, message: 'User does not exist: ghost@example.com.' },
      ]);
    });
  });

  describe('meetings', () => {
    it('answers 201 with Zoom’s full meeting object on create', async () => {
      const res = await create({
        topic: 'Standup',
        type: 2,
        start_time: '2026-02-01T09:30:00Z',
        duration: 30,
        timezone: 'Europe/Berlin',
        settings: { waiting_room: true },
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        uuid: expect.any(String),
        host_id: h.sim.ownerUser.id,
        host_email: 'sim-owner@example.com',
        topic: 'Standup',
        type: 2,
        status: 'waiting',
        start_time: '2026-02-01T09:30:00Z',
        duration: 30,
        timezone: 'Europe/Berlin',
        created_at: '2026-01-15T12:00:00Z',
        start_url: expect.stringContaining(`/s/${res.body.id}`),
        join_url: expect.stringContaining(`/j/${res.body.id}`),
        password: expect.any(String),
        h323_password: expect.stringMatching(/^\d+$/),
        pstn_password: expect.stringMatching(/^\d+$/),
        encrypted_password: expect.any(String),
        settings: expect.objectContaining({ waiting_room: true, host_video: false }),
        pre_schedule: false,
      });
      expect(Number.isSafeInteger(res.body.id)).toBe(true);
      expect(String(res.body.id)).toMatch(/^\d{11}$/);
    });

    it('reads a local start_time in the meeting’s timezone', async () => {
      const res = await create({
        type: 2,
        start_time: '2026-07-01T10:00:00',
        timezone: 'Europe/Paris',
      });
      expect(res.body.start_time).toBe('2026-07-01T08:00:00Z');
    });

    it('creates for a user given by email', async () => {
      const user = h.sim.control.addUser({ email: 'host@example.com' });
      const res = await create({ topic: 'x' }, 'host@example.com');
      expect([res.status, res.body.host_id, res.body.host_email]).toEqual([
        201,
        user.id,
        'host@example.com',
      ]);
    });

    it('answers 404/1001 when creating for an unknown user', async () => {
      const res = await create({ topic: 'x' }, 'nobody');
      expect([res.status, res.body]).toEqual([
        404,
        { code: 1001, message: 'User does not exist: nobody.' },
      ]);
    });

    it('answers the same object on get, and 404/3001 for an unknown meeting', async () => {
      const created = await create({ topic: 'Read me' });
      const got = await h.api(token, 'GET', `/meetings/${created.body.id}`);
      const missing = await h.api(token, 'GET', '/meetings/12345678901');
      expect([got.status, got.body, missing.status, missing.body]).toEqual([
        200,
        created.body,
        404,
        { code: 3001, message: 'Meeting does not exist: 12345678901.' },
      ]);
    });

    it('answers 204 on PATCH and applies the change', async () => {
      const created = await create({ topic: 'Before', duration: 30 });
      const res = await h.api(token, 'PATCH', `/meetings/${created.body.id}`, {
        topic: 'After',
        settings: { mute_upon_entry: true },
      });
      const got = await h.api(token, 'GET', `/meetings/${created.body.id}`);
      expect([
        res.status,
        res.text,
        got.body.topic,
        got.body.duration,
        got.body.settings.mute_upon_entry,
      ]).toEqual([204, '', 'After', 30, true]);
    });

    it('answers 204 on delete (with Zoom’s query parameters), then 404/3001 on a second delete', async () => {
      const created = await create({ topic: 'Bye' });
      const path = `/meetings/${created.body.id}?schedule_for_reminder=true&cancel_meeting_reminder=false`;
      const first = await h.api(token, 'DELETE', path);
      const second = await h.api(token, 'DELETE', `/meetings/${created.body.id}`);
      const got = await h.api(token, 'GET', `/meetings/${created.body.id}`);
      expect([first.status, second.status, second.body, got.status]).toEqual([
        204,
        404,
        { code: 3001, message: `Meeting does not exist: ${created.body.id}.` },
        404,
      ]);
      expect(h.sim.control.stats().meetings).toBe(0);
    });

    it('lists a user’s meetings in pages of page_size with next_page_token', async () => {
      for (let i = 0; i < 5; i++) await create({ topic: `m${i}`, type: 2 });
      const first = await h.api(token, 'GET', '/users/me/meetings?page_size=2');
      const second = await h.api(
        token,
        'GET',
        `/users/me/meetings?page_size=2&next_page_token=${first.body.next_page_token}`,
      );
      const third = await h.api(
        token,
        'GET',
        `/users/me/meetings?page_size=2&next_page_token=${second.body.next_page_token}`,
      );
      expect(first.body).toMatchObject({ page_size: 2, total_records: 5 });
      expect(first.body.next_page_token).toEqual(expect.any(String));
      expect(first.body.meetings[0]).toEqual({
        uuid: expect.any(String),
        id: expect.any(Number),
        host_id: h.sim.ownerUser.id,
        topic: 'm0',
        type: 2,
        start_time: expect.any(String),
        duration: 60,
        timezone: 'UTC',
        created_at: expect.any(String),
        join_url: expect.any(String),
      });
      const topics = [first, second, third].flatMap((r) =>
        r.body.meetings.map((m: { topic: string }) => m.topic),
      );
      expect([topics, third.body.next_page_token]).toEqual([['m0', 'm1', 'm2', 'm3', 'm4'], '']);
    });

    it('answers page_size 30 by default and caps it at 300', async () => {
      const byDefault = await h.api(token, 'GET', '/users/me/meetings');
      const capped = await h.api(token, 'GET', '/users/me/meetings?page_size=1000');
      expect([byDefault.body.page_size, capped.body.page_size]).toEqual([30, 300]);
    });

    it('answers 400/300 for a list type Zoom does not know', async () => {
      const res = await h.api(token, 'GET', '/users/me/meetings?type=everything');
      expect([res.status, res.body.code]).toEqual([400, 300]);
    });
  });

  describe('validation', () => {
    it('answers 400/300 naming the field for a wrong type', async () => {
      const res = await create({ topic: 42 });
      expect([res.status, res.body]).toEqual([400, failed('topic')]);
    });

    it('answers 400/300 for a bad start_time', async () => {
      const res = await create({ type: 2, start_time: 'next tuesday' });
      expect([res.status, res.body]).toEqual([400, failed('start_time')]);
    });

    it('answers 400/300 for a meeting type outside 1, 2, 3 and 8', async () => {
      const res = await create({ type: 5 });
      expect([res.status, res.body]).toEqual([400, failed('type')]);
    });

    it('answers 400/300 for a topic over 200 characters', async () => {
      const res = await create({ topic: 'x'.repeat(201) });
      expect([res.status, res.body]).toEqual([
        400,
        failed('topic', 'Length must be less than or equal to 200.'),
      ]);
    });

    it('answers 400/300 for a body that is not a JSON object', async () => {
      const array = await create([1, 2]);
      const garbage = await h.api(token, 'POST', '/users/me/meetings', undefined, '{not json');
      const expected = {
        code: 300,
        message: 'Request Body should be a valid JSON object.',
        errors: [{ field: 'body', message: 'Request Body should be a valid JSON object.' }],
      };
      expect([array.status, array.body, garbage.status, garbage.body]).toEqual([
        400,
        expected,
        400,
        expected,
      ]);
    });

    it('accepts integers sent as numeric strings, as Zoom does', async () => {
      const res = await create({ type: '2', duration: '45' });
      expect([res.status, res.body.type, res.body.duration]).toEqual([201, 2, 45]);
    });

    it('validates PATCH bodies the same way', async () => {
      const created = await create({ topic: 'ok' });
      const res = await h.api(token, 'PATCH', `/meetings/${created.body.id}`, { duration: 'long' });
      expect([res.status, res.body]).toEqual([400, failed('duration')]);
    });
  });

  describe('scopes', () => {
    it('answers 4711 naming the missing scopes on routes that need them', async () => {
      h.sim.control.setScopes(['meeting:read:meeting:admin']);
      const narrow = await h.token();
      const created = await h.api(narrow, 'POST', '/users/me/meetings', { topic: 'x' });
      const read = await h.api(narrow, 'GET', '/meetings/12345678901');
      expect([created.status, created.body, read.status]).toEqual([
        400,
        {
          code: 4711,
          message:
            'Invalid access token, does not contain scopes:[meeting:write:meeting, meeting:write:meeting:admin].',
        },
        404,
      ]);
    });

    it('counts API calls by route and status', async () => {
      await h.api(token, 'POST', '/users/me/meetings', { topic: 'x' });
      await h.api(token, 'GET', '/meetings/1');
      await h.api(token, 'GET', '/meetings/2');
      expect(h.sim.control.stats()).toMatchObject({
        apiCalls: 3,
        apiCallsByRoute: {
          'POST /v2/users/:userId/meetings': { '201': 1 },
          'GET /v2/meetings/:meetingId': { '404': 2 },
        },
      });
    });
  });

  describe('out of band', () => {
    it('serves a meeting created elsewhere and forgets one deleted elsewhere', async () => {
      const made = h.sim.control.createMeetingOutOfBand('me', { topic: 'Portal' }) as {
        id: number;
      };
      const got = await h.api(token, 'GET', `/meetings/${made.id}`);
      h.sim.control.deleteMeetingOutOfBand(String(made.id));
      const gone = await h.api(token, 'GET', `/meetings/${made.id}`);
      expect([
        got.status,
        got.body.topic,
        gone.status,
        h.sim.control.getMeeting(String(made.id)),
      ]).toEqual([200, 'Portal', 404, undefined]);
    });
  });
});
