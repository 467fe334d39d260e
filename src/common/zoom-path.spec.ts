import { DomainError } from './errors/index.js';
import { zoomPathOf } from './zoom-path.js';

describe(zoomPathOf.name, () => {
  it('keeps the path relative to /v2 and the query exactly as written', () => {
    expect(zoomPathOf('/v2/users?page_size=300&status=active&x=%20')).toEqual({
      path: '/users',
      search: '?page_size=300&status=active&x=%20',
    });
  });

  it.each(['/v2/../oauth/token', '/v2/users/%2e%2e/x', '/v2/users//me', '/v2/a%2Fb', '/v2/a\\b'])(
    'refuses %s before calling Zoom',
    (url) => {
      expect(() => zoomPathOf(url)).toThrow(DomainError);
    },
  );
});
