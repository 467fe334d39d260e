import {
  ADMIN_GRANTS,
  allows,
  DEFAULT_APP_GRANTS,
  formatGrants,
  GrantsSyntaxError,
  parseGrants,
} from './grants.js';

describe(parseGrants.name, () => {
  it('reads areas, ownership and admin, and writes them back canonically', () => {
    const grants = parseGrants(' users=r; meetings=RW ;ownership=all', { admin: false });
    expect(formatGrants(grants)).toBe('meetings=rw;users=r;ownership=all');
    expect(grants.admin).toBe(false);
    expect(formatGrants(parseGrants('admin;*=rw', { admin: false }))).toBe(
      '*=rw;ownership=all;admin',
    );
  });

  it('defaults ownership to own, and to all for an admin key', () => {
    expect(parseGrants('meetings=rw', { admin: false }).ownership).toBe('own');
    expect(parseGrants('meetings=rw', { admin: true }).ownership).toBe('all');
  });

  it.each([
    ['', 'at least one area'],
    ['ownership=all', 'at least one area'],
    ['meetings', 'must be area=r|w|rw'],
    ['meetings=x', 'r, w or rw'],
    ['meetings=r=w', 'must be area=r|w|rw'],
    ['meetings=r;meetings=w', 'twice'],
    ['ownership=mine;meetings=r', 'own or all'],
    ['Bad Area=r', 'not an area'],
    ['../x=r', 'not an area'],
  ])('refuses %j, saying %s', (text, reason) => {
    expect(() => parseGrants(text, { admin: false })).toThrow(GrantsSyntaxError);
    expect(() => parseGrants(text, { admin: false })).toThrow(reason);
  });
});

describe(allows.name, () => {
  it('lets a named area win over *', () => {
    const grants = parseGrants('*=r;meetings=rw;users=w', { admin: false });
    expect(allows(grants, 'meetings', 'write')).toBe(true);
    expect(allows(grants, 'webinars', 'read')).toBe(true);
    expect(allows(grants, 'webinars', 'write')).toBe(false);
    expect(allows(grants, 'users', 'read')).toBe(false);
  });

  it('gives API_KEYS meetings only and admin keys everything', () => {
    expect(allows(DEFAULT_APP_GRANTS, 'meetings', 'write')).toBe(true);
    expect(allows(DEFAULT_APP_GRANTS, 'users', 'read')).toBe(false);
    expect(allows(ADMIN_GRANTS, 'phone', 'write')).toBe(true);
    expect(formatGrants(DEFAULT_APP_GRANTS)).toBe('meetings=rw;ownership=own');
  });
});
