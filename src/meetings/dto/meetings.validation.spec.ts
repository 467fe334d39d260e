import { DomainError } from '../../common/errors/index.js';
import {
  parseDeleteQuery,
  parseGetQuery,
  parseListQuery,
  parseMeetingBody,
  parseMeetingId,
  parsePatchQuery,
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
  it('accepts a full body as Zoom documents it', () => {
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
    expect(parseMeetingBody(body)).toEqual(body);
  });

  it('names every mistyped field', () => {
    const error = refusal(() =>
      parseMeetingBody({ topic: 7, colour: 'red', settings: { host_video: 'yes' } }),
    );
    expect(error.options.errors?.map((e) => e.field).sort()).toEqual([
      'settings.host_video',
      'topic',
    ]);
    expect(error.options.zoomCode).toBe(300);
  });

  it('refuses prototype-pollution keys at any depth', () => {
    const error = refusal(() =>
      parseMeetingBody(JSON.parse('{"settings":{"breakout_room":{"__proto__":{"x":1}}}}')),
    );
    expect(error.options.errors?.[0]?.field).toBe('settings.breakout_room.__proto__');
  });

  it.each(['me', 'user@example.com', 'KDcuGIm1QgePTO8WbOqwIQ'])('accepts the user id %s', (id) => {
    expect(parseUserId(id)).toBe(id);
  });

  it.each(['', '../x', 'a b', 'x'.repeat(65), 'me@', '%2e%2e'])('refuses the user id %j', (id) => {
    expect(refusal(() => parseUserId(id)).status).toBe(400);
  });

  it('keeps meeting ids exact up to 2^63-1 and refuses anything past it', () => {
    expect(parseMeetingId('9223372036854775807')).toBe('9223372036854775807');
    for (const bad of ['9223372036854775808', '0', '01', '-5', '1e3', '12345678901234567890']) {
      expect(refusal(() => parseMeetingId(bad)).status).toBe(400);
    }
  });

  it('defaults the records limit to 20 and refuses more than 100', () => {
    expect(parseRecordsQuery({}).limit).toBe(20);
    expect(refusal(() => parseRecordsQuery({ limit: '101' })).status).toBe(400);
  });
});

// One test per variation Zoom accepts beyond its examples, each with its source. CREATE_REF is
// developers.zoom.us/docs/api/meetings/#tag/meetings/POST/users/{userId}/meetings. "Design" is the
// design's "Zoom facts the simulator must reproduce" (Zoom accepts fractional seconds and offsets,
// ignores unknown fields, coerces numbers and booleans sent as strings).
describe('what Zoom accepts, the gateway accepts', () => {
  it('accepts a start_time with fractional seconds, as toISOString() writes it', () => {
    // CREATE_REF: start_time is `format: date-time` (RFC 3339 allows fractions); Design.
    const body = { topic: 'x', start_time: '2026-01-15T11:00:00.000Z' };
    expect(parseMeetingBody(body)).toEqual(body);
  });

  it('accepts a start_time with an offset', () => {
    // CREATE_REF: `format: date-time` (RFC 3339 offsets); Design.
    const body = { start_time: '2026-01-15T13:00:00+02:00' };
    expect(parseMeetingBody(body)).toEqual(body);
  });

  it('still refuses an impossible date or clock in a start_time', () => {
    // Zoom answers 300 for a date that does not exist: a certain refusal.
    for (const start_time of ['2031-02-30T10:00:00Z', '2031-01-01T24:00:00.000Z'])
      expect(refusal(() => parseMeetingBody({ start_time })).status).toBe(400);
  });

  it.each([1, 2, 3, 8, 10])('accepts the documented meeting type %i', (type) => {
    // CREATE_REF: type enum 1 instant, 2 scheduled, 3 and 8 recurring, 10 screen share only.
    expect(parseMeetingBody({ type })).toEqual({ type });
  });

  it('refuses a meeting type Zoom does not document', () => {
    // CREATE_REF: 7 is outside the enum; Zoom answers 300 "Invalid field".
    expect(refusal(() => parseMeetingBody({ type: 7 })).options.errors?.[0]?.field).toBe('type');
  });

  it('accepts numbers sent as strings and forwards them unchanged', () => {
    // Design: Zoom coerces "30" to 30 on integer fields (duration, type, settings.jbh_time).
    const body = { duration: '30', type: '2', settings: { jbh_time: '5' } };
    expect(parseMeetingBody(body)).toEqual(body);
  });

  it('accepts settings booleans sent as strings and forwards them unchanged', () => {
    // Design: Zoom coerces "true"/"false" on boolean fields.
    const body = {
      default_password: 'false',
      settings: { host_video: 'true', waiting_room: 'false' },
    };
    expect(parseMeetingBody(body)).toEqual(body);
  });

  it('forwards fields it does not know, at the top level and nested, unchanged', () => {
    // Design: Zoom ignores fields it does not know (and adds new ones often).
    const body = {
      topic: 'x',
      colour: 'red',
      recurrence: { type: 1, new_recurrence_field: 3 },
      tracking_fields: [{ field: 'a', value: 'b', visible: true }],
      settings: { meeting_invitees: [{ email: 'a@example.com', name: 'A' }] },
    };
    expect(parseMeetingBody(body)).toEqual(body);
  });

  it('still refuses __proto__, constructor and prototype keys at any depth', () => {
    // Not a Zoom rule: such keys would reach an object's prototype in any JS code that merges the body.
    const error = refusal(() =>
      parseMeetingBody(JSON.parse('{"x":{"constructor":{"prototype":{}}},"__proto__":{"a":1}}')),
    );
    expect(error.options.errors?.map((e) => e.field).sort()).toEqual([
      '__proto__',
      'x.constructor',
    ]);
  });

  it('still refuses what Zoom certainly refuses: a long topic, a non-number duration, a non-object body', () => {
    // CREATE_REF: topic maxLength 200, duration integer; Zoom's 300 "Request Body should be a valid JSON object.".
    expect(refusal(() => parseMeetingBody({ topic: 't'.repeat(201) })).options.zoomCode).toBe(300);
    expect(refusal(() => parseMeetingBody({ duration: 'half an hour' })).status).toBe(400);
    expect(refusal(() => parseMeetingBody([{ topic: 'x' }])).options.errors?.[0]?.field).toBe(
      'body',
    );
  });

  it('reads a page_size above 300 as 300, as Zoom does', () => {
    // developers.zoom.us/docs/api/pagination: "Light data retrieval: Up to 300 items per page".
    expect(parseListQuery({ page_size: '100000' })).toEqual({ page_size: '300' });
  });

  it('forwards query parameters it does not know on Zoom routes', () => {
    // Zoom ignores query parameters it does not know; the gateway leaves that to Zoom.
    expect(parseListQuery({ type: 'scheduled', future_flag: '1' })).toEqual({
      type: 'scheduled',
      future_flag: '1',
    });
    expect(parseGetQuery({ occurrence_id: '1648194360000', extra: 'x' })).toEqual({
      occurrence_id: '1648194360000',
      extra: 'x',
    });
  });

  it('passes occurrence_id on get, update and delete', () => {
    // developers.zoom.us/docs/api/meetings/#tag/meetings/PATCH/meetings/{meetingId} (and GET, DELETE): occurrence_id query.
    for (const parse of [parseGetQuery, parsePatchQuery, parseDeleteQuery])
      expect(parse({ occurrence_id: '1648194360000' })).toEqual({ occurrence_id: '1648194360000' });
  });

  it('refuses prototype keys in a query string', () => {
    expect(refusal(() => parseListQuery(JSON.parse('{"__proto__":"x"}'))).status).toBe(400);
  });
});

describe('what the database cannot hold is refused before Zoom', () => {
  it('refuses a NUL character in the topic, the agenda or any nested string, with Zoom code 300', () => {
    for (const body of [
      { topic: 'a\u0000b' },
      { agenda: '\u0000' },
      { settings: { contact_name: 'x\u0000' } },
      { tracking_fields: [{ field: 'f', value: '\u0000' }] },
      { ['un\u0000known']: 1 },
    ]) {
      const error = refusal(() => parseMeetingBody(body));
      expect(error.status).toBe(400);
      expect(error.options.zoomCode).toBe(300);
      expect(error.message).toContain('NUL');
    }
  });

  it('refuses a NUL character in a user id, on /v2 and on /api/meetings', () => {
    expect(refusal(() => parseUserId('me\u0000')).status).toBe(400);
    expect(refusal(() => parseRecordsQuery({ userId: 'a\u0000b' })).status).toBe(400);
  });
});
