import { DEFAULT_CATEGORY, describeZoomRoute } from './zoom-routes.js';

describe(describeZoomRoute.name, () => {
  it('labels a create as Medium and names the host user whose daily quota it spends', () => {
    expect(describeZoomRoute('POST', '/users/jane%40example.com/meetings')).toEqual({
      template: '/users/:userId/meetings',
      category: 'medium',
      dailyLimitUser: 'jane@example.com',
    });
  });

  it('labels single-resource reads Light and lists Medium, as Zoom labels them', () => {
    expect(describeZoomRoute('GET', '/users/me').category).toBe('light');
    expect(describeZoomRoute('GET', '/users').category).toBe('medium');
    expect(describeZoomRoute('get', '/meetings/85746065432/registrants').category).toBe('medium');
  });

  it('paces every Reports and Dashboards endpoint as Heavy and Chat as Medium', () => {
    expect(describeZoomRoute('GET', '/report/daily').category).toBe('heavy');
    expect(describeZoomRoute('GET', '/metrics/meetings').category).toBe('heavy');
    expect(describeZoomRoute('POST', '/chat/users/me/messages').category).toBe('medium');
  });

  it('gives an unlisted route the conservative default and a label without ids', () => {
    expect(describeZoomRoute('GET', '/h323/devices/abc123')).toEqual({
      template: '/h323/*',
      category: DEFAULT_CATEGORY,
    });
  });

  it('matches a trailing slash and any case, as Zoom does', () => {
    expect(describeZoomRoute('GET', '/Users/me/Meetings/').template).toBe(
      '/users/:userId/meetings',
    );
  });
});
