import { DEFAULT_CATEGORY, describeZoomRoute } from './zoom-routes.js';

describe(describeZoomRoute.name, () => {
  it("labels a create as Zoom's reference does and names the host user whose daily limit it spends", () => {
    expect(describeZoomRoute('POST', '/users/jane%40example.com/meetings')).toEqual({
      template: '/users/:userId/meetings',
      category: 'light',
      product: 'general',
      daily: 'host_user',
      pathUser: 'jane@example.com',
    });
  });

  it('names the meeting or webinar whose registrants a registration counts', () => {
    expect(describeZoomRoute('POST', '/webinars/81234567890/registrants')).toMatchObject({
      daily: 'registrant',
      pathResource: 'webinar:81234567890',
    });
  });

  it('counts Dashboard metrics as Resource-intensive and Phone on its own table', () => {
    expect(describeZoomRoute('GET', '/metrics/meetings').category).toBe('resource_intensive');
    expect(describeZoomRoute('GET', '/phone/call_logs')).toMatchObject({
      category: 'heavy',
      product: 'phone',
    });
  });

  it('gives an unlisted route the conservative default and a label without ids', () => {
    expect(describeZoomRoute('GET', '/h323/devices/abc123/nothing')).toEqual({
      template: '/h323/*',
      category: DEFAULT_CATEGORY,
      product: 'general',
      daily: null,
    });
  });

  it('matches a trailing slash and any case, as Zoom does', () => {
    expect(describeZoomRoute('GET', '/Users/me/Meetings/').template).toBe(
      '/users/:userId/meetings',
    );
  });

  it.each([
    ['POST', '/users/me/meetings', '/users/:userId/meetings'],
    ['GET', '/users/jane%40example.com/meetings', '/users/:userId/meetings'],
    ['GET', '/meetings/85746065432', '/meetings/:meetingId'],
    ['PATCH', '/meetings/85746065432', '/meetings/:meetingId'],
    ['DELETE', '/meetings/85746065432', '/meetings/:meetingId'],
    ['GET', '/users/me', '/users/:userId'],
    [
      'POST',
      '/marketplace/apps/abc/rotate_client_secret',
      '/marketplace/apps/:appId/rotate_client_secret',
    ],
  ])('labels %s %s as %s, the label metrics and logs use for it', (method, path, template) => {
    expect(describeZoomRoute(method, path).template).toBe(template);
  });
});
