import { ZoomRouteTable } from '@zoom-gateway/zoom-routes';
import { callKindOf, zoomTargetOf } from './zoom-areas.js';

describe(zoomTargetOf.name, () => {
  it.each([
    ['/users/me', 'users'],
    ['/users', 'users'],
    ['/users/me/meetings', 'meetings'],
    ['/users/me/upcoming_meetings', 'meetings'],
    ['/users/me/meeting_templates', 'meetings'],
    ['/users/me/recordings', 'recordings'],
    ['/users/me/webinars', 'webinars'],
    ['/users/me/settings', 'users'],
    ['/meetings/123', 'meetings'],
    ['/meetings/123/recordings', 'recordings'],
    ['/meetings/123/recordings/settings', 'recordings'],
    ['/past_meetings/123/participants', 'meetings'],
    ['/past_meetings/123/recordings', 'recordings'],
    ['/live_meetings/123/events', 'meetings'],
    ['/webinars/9', 'webinars'],
    ['/past_webinars/9/participants', 'webinars'],
    ['/report/meetings/123/participants', 'reports'],
    ['/report/daily', 'reports'],
    ['/metrics/meetings', 'dashboards'],
    ['/metrics/meetings/123', 'dashboards'],
    ['/phone/recording/download/rec-1', 'phone'],
    ['/no_such_product/things', 'no_such_product'],
    ['/', ''],
  ])('reads %s as the %s area', (path, area) => {
    expect(zoomTargetOf(path).area).toBe(area);
  });

  it.each([
    ['/meetings/123', '123'],
    ['/meetings/123/', '123'],
    ['/meetings/123/recordings', '123'],
    ['/past_meetings/123/participants', '123'],
    ['/live_meetings/123/events', '123'],
    ['/report/meetings/123/participants', '123'],
    ['/metrics/meetings/123', '123'],
    ['/meetings/%31%32%33/invitation', '123'],
    ['/past_meetings/abc%3D%3D/instances', 'abc=='],
  ])('finds in %s the meeting %s', (path, meetingId) => {
    expect(zoomTargetOf(path).meetingId).toBe(meetingId);
  });

  it.each([
    '/users/me/meetings',
    '/users/me/recordings',
    '/meetings',
    '/report/daily',
    '/metrics/meetings',
  ])('finds no meeting id in %s', (path) => {
    expect(zoomTargetOf(path).meetingId).toBeUndefined();
  });

  it('reads decoded and differently cased segments as Zoom does', () => {
    expect(zoomTargetOf('/%6Deetings/1')).toMatchObject({ area: 'meetings', meetingId: '1' });
    expect(zoomTargetOf('/Users/me/Meetings')).toMatchObject({
      area: 'meetings',
      meetingList: true,
    });
  });

  it('tells a user’s meeting list from the other meetings paths', () => {
    expect(zoomTargetOf('/users/me/meetings').meetingList).toBe(true);
    expect(zoomTargetOf('/users/me/upcoming_meetings').meetingList).toBe(true);
    expect(zoomTargetOf('/users/me/meetings/extra').meetingList).toBe(false);
    expect(zoomTargetOf('/users/me/meeting_templates').meetingList).toBe(false);
  });

  it('never finds a prototype member for a segment named like one', () => {
    expect(zoomTargetOf('/users/me/constructor').area).toBe('users');
    expect(zoomTargetOf('/constructor').area).toBe('constructor');
    expect(zoomTargetOf('/report/__proto__/1').area).toBe('reports');
  });
});

describe(callKindOf.name, () => {
  it('reads GET and HEAD as reads and every other method as a write', () => {
    expect(['GET', 'head', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'].map(callKindOf)).toEqual([
      'read',
      'read',
      'write',
      'write',
      'write',
      'write',
      'write',
    ]);
  });

  it("gives every operation of Zoom's reference the grant area the route table carries for it", () => {
    const wrong = ZoomRouteTable.default()
      .rows.filter((row) => zoomTargetOf(row.path).area !== row.area)
      .map((row) => `${row.path}: ${row.area} vs ${zoomTargetOf(row.path).area}`);
    expect(wrong).toEqual([]);
  });
});
