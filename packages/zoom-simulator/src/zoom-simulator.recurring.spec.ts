import {
  ManualClock,
  startSim,
  startWebhookReceiver,
  type SimHarness,
  type WebhookReceiver,
} from './testing/sim-test-helpers.js';
import { ZoomSimulator } from './zoom-simulator.js';

const SECRET = 'recurring-secret';

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
  const weekly = {
    topic: 'Weekly',
    type: 8,
    start_time: '2026-02-02T09:00:00Z', // a Monday
    duration: 30,
    timezone: 'UTC',
    recurrence: { type: 2, repeat_interval: 1, weekly_days: '2,4', end_times: 4 },
  };

  describe('recurring meetings', () => {
    it('lists the occurrences of a weekly meeting: id = start epoch ms, start, duration, available', async () => {
      const res = await create(weekly);
      const starts = [
        '2026-02-02T09:00:00Z',
        '2026-02-04T09:00:00Z',
        '2026-02-09T09:00:00Z',
        '2026-02-11T09:00:00Z',
      ];
      expect(res.body.occurrences).toEqual(
        starts.map((start_time) => ({
          occurrence_id: String(Date.parse(start_time)),
          start_time,
          duration: 30,
          status: 'available',
        })),
      );
      expect(res.body.recurrence).toEqual(weekly.recurrence);
    });

    it('counts daily occurrences in the meeting’s time zone, across a DST change', async () => {
      const res = await create({
        type: 8,
        start_time: '2026-03-07T10:00:00',
        timezone: 'America/New_York',
        recurrence: { type: 1, end_times: 3 },
      });
      expect(res.body.occurrences.map((o: { start_time: string }) => o.start_time)).toEqual([
        '2026-03-07T15:00:00Z',
        '2026-03-08T14:00:00Z',
        '2026-03-09T14:00:00Z',
      ]);
    });

    it('stops monthly occurrences at end_date_time and accepts numbers sent as strings', async () => {
      const res = await create({
        type: '8',
        start_time: '2026-01-15T08:00:00Z',
        recurrence: { type: '3', monthly_day: '15', end_date_time: '2026-04-01T00:00:00Z' },
      });
      expect(res.body.occurrences.map((o: { start_time: string }) => o.start_time)).toEqual([
        '2026-01-15T08:00:00Z',
        '2026-02-15T08:00:00Z',
        '2026-03-15T08:00:00Z',
      ]);
    });

    it('gives a type 3 meeting (no fixed time) no start_time and no occurrences', async () => {
      const res = await create({ type: 3, recurrence: { type: 1 } });
      expect([res.body.start_time, res.body.occurrences]).toEqual([undefined, undefined]);
    });

    it('answers 400/300 for a recurrence of an unknown type', async () => {
      const res = await create({ type: 8, recurrence: { type: 9 } });
      expect([res.status, res.body.errors]).toEqual([
        400,
        [{ field: 'recurrence.type', message: 'Invalid field.' }],
      ]);
    });

    it('answers one occurrence by occurrence_id, with that occurrence’s start', async () => {
      const { body } = await create(weekly);
      const second = body.occurrences[1];
      const res = await h.api(
        token,
        'GET',
        `/meetings/${body.id}?occurrence_id=${second.occurrence_id}`,
      );
      expect([res.status, res.body.id, res.body.start_time]).toEqual([
        200,
        body.id,
        '2026-02-04T09:00:00Z',
      ]);
    });

    it('updates only the occurrence named by occurrence_id', async () => {
      const { body } = await create(weekly);
      const id = body.occurrences[1].occurrence_id;
      const patched = await h.api(token, 'PATCH', `/meetings/${body.id}?occurrence_id=${id}`, {
        start_time: '2026-02-04T10:00:00Z',
        duration: 45,
      });
      const after = await h.api(token, 'GET', `/meetings/${body.id}`);
      expect(patched.status).toBe(204);
      expect(after.body.occurrences[1]).toEqual({
        occurrence_id: id,
        start_time: '2026-02-04T10:00:00Z',
        duration: 45,
        status: 'available',
      });
      expect([
        after.body.start_time,
        after.body.duration,
        after.body.occurrences[2].duration,
      ]).toEqual(['2026-02-02T09:00:00Z', 30, 30]);
    });

    it('deletes only one occurrence: it turns deleted, the meeting stays, a second delete is 404', async () => {
      const { body } = await create(weekly);
      const id = body.occurrences[0].occurrence_id;
      const deleted = await h.api(token, 'DELETE', `/meetings/${body.id}?occurrence_id=${id}`);
      const again = await h.api(token, 'DELETE', `/meetings/${body.id}?occurrence_id=${id}`);
      const after = await h.api(token, 'GET', `/meetings/${body.id}`);
      expect([deleted.status, after.status, after.body.occurrences[0].status]).toEqual([
        204,
        200,
        'deleted',
      ]);
      expect([again.status, again.body]).toEqual([
        404,
        { code: 3001, message: `Meeting occurrence does not exist: ${id}.` },
      ]);
    });

    it('answers 404/3001 for an occurrence_id the meeting does not have', async () => {
      const { body } = await create(weekly);
      const res = await h.api(token, 'GET', `/meetings/${body.id}?occurrence_id=123`);
      expect([res.status, res.body.code]).toEqual([404, 3001]);
    });
  });

  describe('recurring meeting webhooks', () => {
    let receiver: WebhookReceiver;

    beforeEach(async () => {
      receiver = await startWebhookReceiver(SECRET);
      await h.sim.control.setWebhook({ url: receiver.url, secretToken: SECRET });
    });

    afterEach(async () => {
      await receiver.close();
    });

    it('sends meeting.deleted with operation single and the occurrence, then all for the whole meeting', async () => {
      const { body } = await create(weekly);
      const occurrence = body.occurrences[2];
      await h.api(
        token,
        'DELETE',
        `/meetings/${body.id}?occurrence_id=${occurrence.occurrence_id}`,
      );
      await h.api(token, 'DELETE', `/meetings/${body.id}`);
      await vi.waitFor(() => expect(receiver.events('meeting.deleted')).toHaveLength(2));
      const [single, all] = receiver.events('meeting.deleted').map((r) => r.json.payload);
      expect([single.operation, single.object.occurrences]).toEqual([
        'single',
        [{ occurrence_id: occurrence.occurrence_id, start_time: occurrence.start_time }],
      ]);
      expect([all.operation, all.object.occurrences]).toEqual(['all', undefined]);
    });

    it('sends operation all when a one-off meeting is deleted, in band or out of band', async () => {
      const a = await create({ topic: 'One-off' });
      const b = h.sim.control.createMeetingOutOfBand('me', { topic: 'Portal' });
      await h.api(token, 'DELETE', `/meetings/${a.body.id}`);
      h.sim.control.deleteMeetingOutOfBand(String(b.id));
      await vi.waitFor(() => expect(receiver.events('meeting.deleted')).toHaveLength(2));
      const operations = receiver.events('meeting.deleted').map((r) => r.json.payload.operation);
      expect(operations).toEqual(['all', 'all']);
    });

    it('sends meeting.updated with scope single for an occurrence and all for the meeting', async () => {
      const { body } = await create(weekly);
      const id = body.occurrences[0].occurrence_id;
      await h.api(token, 'PATCH', `/meetings/${body.id}?occurrence_id=${id}`, { duration: 50 });
      await h.api(token, 'PATCH', `/meetings/${body.id}`, { topic: 'Renamed' });
      await vi.waitFor(() => expect(receiver.events('meeting.updated')).toHaveLength(2));
      const [single, all] = receiver.events('meeting.updated').map((r) => r.json.payload);
      expect([
        single.scope,
        single.object.occurrences,
        single.old_object.occurrences[0].duration,
      ]).toEqual([
        'single',
        [{ occurrence_id: id, start_time: '2026-02-02T09:00:00Z', duration: 50 }],
        30,
      ]);
      expect([all.scope, all.object.topic, 'operation' in all]).toEqual(['all', 'Renamed', false]);
    });
  });
});
