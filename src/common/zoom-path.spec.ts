import { DomainError } from './errors/index.js';
import { canonicalTarget, requestZoomPath, zoomPathOf } from './zoom-path.js';

/** A UUID with `/` inside (encoded once) and one that starts with `/` (encoded twice), as Zoom's docs say. */
const UUID_WITH_SLASH = 'aB3/xY9kLmN0pQrStUvWzA==';
const UUID_LEADING_SLASH = '/ajXp112QmuoKj4854875=='; // Zoom's docs' own example

describe(zoomPathOf.name, () => {
  it('keeps the path relative to /v2 and the query exactly as written', () => {
    expect(zoomPathOf('/v2/users?page_size=300&status=active&x=%20&x=%zz')).toEqual({
      path: '/users',
      search: '?page_size=300&status=active&x=%20&x=%zz',
    });
  });

  it.each([
    '/v2/users/a%40example.com',
    '/v2/users/a+b@example.com/meetings',
    `/v2/meetings/${encodeURIComponent(UUID_WITH_SLASH)}/recordings`,
    `/v2/past_meetings/${encodeURIComponent(encodeURIComponent(UUID_LEADING_SLASH))}/instances`,
    '/v2/users/me/',
    '/V2/users/me',
  ])('accepts the documented form %s unchanged', (target) => {
    expect(`/v2${zoomPathOf(target).path}`).toBe(`/v2${target.slice(3)}`);
  });

  it.each([
    ['/v2/users/#/meetings/x', '`#`'],
    ['/v2/users/me?x=1#/meetings', '`#`'],
    ['/v2/meetings/1;jsessionid=2', '`;`'],
    ['/v2/meetings/1/..;/2', '`;`'],
    ['/v2/meetings/1%3B/2', 'encoded `;`'],
    ['/v2/../oauth/token', 'dot segments'],
    ['/v2/users/%2e%2e/x', 'dot segments'],
    ['/v2/users/.%2E/x', 'dot segments'],
    ['/v2/users/%252e%252E/x', 'dot segments'],
    ['/v2/meetings/1%2F..%2F2', 'dot segments'],
    ['/v2/users//me', 'empty path segments'],
    ['/v2/users/me%2Fmeetings', 'encoded `/`'],
    ['/v2/a\\b', 'backslashes'],
    ['/v2/a%5Cb', 'backslashes'],
    ['/v2/a%255Cb', 'backslashes'],
    ['/v2/users/me%00', 'control characters'],
    ['/v2/users/%E0%A4%A', 'malformed'],
    ['/v2/users/%25252e', 'at most twice'],
    ['/v2/users/"me"', 'percent-encoded'],
    ['/v2/users/{me}', 'percent-encoded'],
    ['http://zoom.example/v2/users', 'must be a path'],
    ['/v2', 'start with /v2/'],
    ['/api/meetings', 'start with /v2/'],
  ])('refuses %s (%s) before any check runs', (target, reason) => {
    let thrown: DomainError | undefined;
    try {
      zoomPathOf(target);
    } catch (error) {
      if (error instanceof DomainError) thrown = error;
    }
    expect(thrown?.code).toBe('invalid_path');
    expect(thrown?.message).toContain(reason);
  });
});

describe(canonicalTarget.name, () => {
  it('reads any route of the gateway, not only Zoom paths', () => {
    expect(canonicalTarget('/api/meetings?limit=5')).toEqual({
      path: '/api/meetings',
      search: '?limit=5',
    });
  });
});

describe(requestZoomPath.name, () => {
  it('builds the reading once and keeps it with the request', () => {
    const request = { originalUrl: '/v2/users/me?x=1' };
    const first = requestZoomPath(request);
    request.originalUrl = '/v2/users/other';
    expect(requestZoomPath(request)).toBe(first);
  });
});
