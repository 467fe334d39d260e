import { ManualClock, startSim, type SimHarness } from './testing/sim-test-helpers.js';
import { ZoomSimulator } from './zoom-simulator.js';

describe(ZoomSimulator.name, () => {
  let h: SimHarness;
  let token: string;

  beforeEach(async () => {
    h = await startSim({ clock: new ManualClock().fn, rateLimits: false });
    token = await h.token();
  });

  afterEach(async () => {
    await h.close();
  });

  const create = (body: unknown) => h.api(token, 'POST', '/users/me/meetings', body);

  describe('what create accepts, as Zoom does', () => {
    it('reads start_time with fractional seconds, as Date.prototype.toISOString() writes it', async () => {
      const res = await create({ start_time: '2026-01-15T11:00:00.000Z' });
      expect([res.status, res.body.start_time]).toEqual([201, '2026-01-15T11:00:00Z']);
    });

    it('reads start_time with an offset, with or without a colon', async () => {
      const colon = await create({ start_time: '2026-01-15T13:00:00+02:00' });
      const bare = await create({ start_time: '2026-01-15T13:00:00.123456+0200' });
      expect([colon.body.start_time, bare.body.start_time]).toEqual([
        '2026-01-15T11:00:00Z',
        '2026-01-15T11:00:00Z',
      ]);
    });

    it('coerces numbers and booleans sent as strings and answers them typed', async () => {
      const res = await create({
        type: '2',
        duration: '30',
        pre_schedule: 'false',
        settings: { host_video: 'true', join_before_host: 'false', approval_type: '1' },
      });
      expect([res.status, res.body.type, res.body.duration, res.body.pre_schedule]).toEqual([
        201,
        2,
        30,
        false,
      ]);
      expect(res.body.settings).toMatchObject({
        host_video: true,
        join_before_host: false,
        approval_type: 1,
      });
    });

    it('still refuses a setting that is neither a boolean nor "true"/"false"', async () => {
      const res = await create({ settings: { host_video: 'yes' } });
      expect([res.status, res.body.errors]).toEqual([
        400,
        [{ field: 'settings.host_video', message: 'Invalid field.' }],
      ]);
    });

    it('ignores fields it does not know', async () => {
      const res = await create({ topic: 'Known', flavour: 'vanilla' });
      expect([res.status, res.body.topic, 'flavour' in res.body]).toEqual([201, 'Known', false]);
    });

    it('accepts type 10 (screen share only)', async () => {
      const res = await create({ type: 10 });
      expect([res.status, res.body.type]).toEqual([201, 10]);
    });
  });

  describe('instant meetings', () => {
    it('leaves type 1 out of the user’s meeting lists but answers it by id', async () => {
      const instant = await create({ type: 1, topic: 'Now' });
      await create({ type: 2, topic: 'Later', start_time: '2026-02-01T10:00:00Z' });
      const byId = await h.api(token, 'GET', `/meetings/${instant.body.id}`);
      const lists = await Promise.all(
        ['scheduled', 'upcoming', 'upcoming_meetings'].map((type) =>
          h.api(token, 'GET', `/users/me/meetings?type=${type}`),
        ),
      );
      expect(byId.status).toBe(200);
      expect(lists.map((l) => l.body.meetings.map((m: { topic: string }) => m.topic))).toEqual([
        ['Later'],
        ['Later'],
        ['Later'],
      ]);
    });
  });
});
