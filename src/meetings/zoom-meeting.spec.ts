import { changeColumns, newMeetingRecord, zoomColumns } from './meeting-columns.js';
import { MEETING_WIDTHS } from './meeting.entity.js';
import { utcStart, zoomIdString, zoomJson } from './zoom-meeting.js';

describe('Zoom meeting readers', () => {
  it('keeps an int64 id exact from Zoom to the caller', () => {
    expect(zoomIdString('9223372036854775807')).toBe('9223372036854775807');
    expect(zoomIdString(2 ** 53 + 2)).toBeNull();
    expect(
      zoomJson({ id: '9007199254740993123', occurrences: [{ occurrence_id: '1648194360000' }] }),
    ).toBe('{"id":9007199254740993123,"occurrences":[{"occurrence_id":"1648194360000"}]}');
  });

  it('reads a zoned start_time with a fraction or an offset as its instant, and a local one as unknown', () => {
    expect(utcStart('2026-01-15T11:00:00.000Z')).toEqual(new Date('2026-01-15T11:00:00Z'));
    expect(utcStart('2026-01-15T13:00:00+02:00')).toEqual(new Date('2026-01-15T11:00:00Z'));
    expect(utcStart('2026-01-15T11:00:00')).toBeNull();
  });

  it('builds every column of a record from a Zoom meeting, clipped to the column widths', () => {
    const record = newMeetingRecord(
      { hostUser: 'me', status: 'active', createdBy: 'zoom:adopted', now: new Date(0) },
      zoomColumns({ id: 42, topic: 't'.repeat(300), host_email: 'h@example.com', type: 2 }),
    );
    expect(record).toMatchObject({
      zoomMeetingId: '42',
      hostEmail: 'h@example.com',
      type: 2,
      joinUrl: null,
      idempotencyKeyHash: null,
    });
    expect(record.topic?.length).toBe(MEETING_WIDTHS.topic);
  });

  it('takes numbers sent as strings from a change and leaves out what is absent or mistyped', () => {
    expect(changeColumns({ duration: '45', type: '8', topic: 7, timezone: '' })).toEqual({
      duration: 45,
      type: 8,
    });
  });
});
