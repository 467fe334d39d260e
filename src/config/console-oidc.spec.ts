import { consoleOidc } from './console-oidc.js';

describe('CONSOLE_OIDC_*', () => {
  const base = {
    CONSOLE_OIDC_ISSUER: 'https://login.example.com/',
    CONSOLE_OIDC_CLIENT_ID: 'gateway',
    CONSOLE_OIDC_CLIENT_SECRET: 'secret',
  };

  it('is off when none is set, and reads admins and the groups claim', () => {
    expect(consoleOidc({})).toBeUndefined();
    expect(consoleOidc({ ...base, CONSOLE_OIDC_ADMINS: 'Ann@Example.com, ops-team ,' })).toEqual({
      issuer: 'https://login.example.com',
      clientId: 'gateway',
      clientSecret: 'secret',
      admins: ['ann@example.com', 'ops-team'],
      groupsClaim: 'groups',
    });
    expect(consoleOidc({ ...base, CONSOLE_OIDC_GROUPS_CLAIM: 'roles' })?.groupsClaim).toBe('roles');
  });

  it('stops the start naming the variable for a bad value', () => {
    expect(() => consoleOidc({ ...base, CONSOLE_OIDC_ISSUER: 'http://login.example.com' })).toThrow(
      /CONSOLE_OIDC_ISSUER must be an https URL/,
    );
    expect(consoleOidc({ ...base, CONSOLE_OIDC_ISSUER: 'http://127.0.0.1:4000' })?.issuer).toBe(
      'http://127.0.0.1:4000',
    );
    expect(() => consoleOidc({ ...base, CONSOLE_OIDC_CLIENT_SECRET: '' })).toThrow(
      /CONSOLE_OIDC_CLIENT_SECRET/,
    );
    expect(() => consoleOidc({ CONSOLE_OIDC_CLIENT_ID: 'x' })).toThrow(/CONSOLE_OIDC_ISSUER/);
    expect(() => consoleOidc({ ...base, CONSOLE_OIDC_GROUPS_CLAIM: 'a b' })).toThrow(
      /CONSOLE_OIDC_GROUPS_CLAIM/,
    );
  });
});
