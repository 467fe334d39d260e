import { DomainError } from '../common/errors/index.js';
import {
  parseMeetingBody,
  parseMeetingId,
  parseRecordsQuery,
  parseUserId,
} from './meetings.validation.js';

function refusal(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('meetings validation', () => {
  it('accepts a full body as Zoom documents it', async () => {
    const body = {
      topic: 'Quarterly review',
      type: 8,
      start_time: '2031-01-15T09:30:00',
      duration: '90',
      timezone: 'America/Los_Angeles',
      agenda: 'Numbers',
      password: 'ab12*',
      default_password: false,
      pre_schedule: false,
      schedule_for: 'assistant@example.com',
      template_id: '5Cj3ceXoStO6TGOVvIOVPA==',
      tracking_fields: [{ field: 'cost-center', value: '42' }],
      recurrence: { type: 2, repeat_interval: 1, weekly_days: '2,4', end_times: 10 },
      settings: {
        host_video: true,
        jbh_time: 5,
        approval_type: 2,
        audio: 'voip',
        auto_recording: 'cloud',
        waiting_room: true,
        meeting_invitees: [{ email: 'guest@example.com' }],
        breakout_room: { enable: true, rooms: [{ name: 'A', participants: ['x@example.com'] }] },
        a_setting_zoom_added_later: 'kept',
      },
    };
    await expect(Promise.resolve(parseMeetingBody(body))).resolves.toEqual(body);
  });

  it('names every unknown top-level field and every mistyped one', async () => {
    const error = refusal(() =>
      parseMeetingBody({ topic: 7, colour: 'red', settings: { host_video: 'yes' } }),
    );
    await expect(
      Promise.resolve(error.options.errors?.map((e) => e.field).sort()),
    ).resolves.toEqual(['colour', 'settings.host_video', 'topic']);
    await expect(Promise.resolve(error.options.zoomCode)).resolves.toBe(300);
  });

  it('refuses prototype-pollution keys at any depth', async () => {
    const error = refusal(() =>
      parseMeetingBody(JSON.parse('{"settings":{"breakout_room":{"__proto__":{"x":1}}}}')),
    );
    await expect(Promise.resolve(error.options.errors?.[0]?.field)).resolves.toBe(
      'settings.breakout_room.__proto__',
    );
  });

  it.each(['me', 'user@example.com', 'KDcuGIm1QgePTO8WbOqwIQ'])(
    'accepts the user id %s',
    async (id) => {
      await expect(Promise.resolve(parseUserId(id))).resolves.toBe(id);
    },
  );

  it.each(['', '../x', 'a b', 'x'.repeat(65), 'me@', '%2e%2e'])(
    'refuses the user id %j',
    async (id) => {
      await expect(Promise.resolve(refusal(() => parseUserId(id)).status)).resolves.toBe(400);
    },
  );

  it('keeps meeting ids exact up to 2^63-1 and refuses anything past it', async () => {
    await expect(Promise.resolve(parseMeetingId('9223372036854775807'))).resolves.toBe(
      '9223372036854775807',
    );
    for (const bad of ['9223372036854775808', '0', '01', '-5', '1e3', '12345678901234567890']) {
      await expect(Promise.resolve(refusal(() => parseMeetingId(bad)).status)).resolves.toBe(400);
    }
  });

  it('defaults the records limit to 20 and refuses more than 100', async () => {
    await expect(Promise.resolve(parseRecordsQuery({}).limit)).resolves.toBe(20);
    await expect(
      Promise.resolve(refusal(() => parseRecordsQuery({ limit: '101' })).status),
    ).resolves.toBe(400);
  });
});
