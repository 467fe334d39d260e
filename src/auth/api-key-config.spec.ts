import { ConfigError, loadConfig } from '../config/app-config.js';
import { formatGrants } from '../config/grants.js';

const KEY = '0123456789abcdef0123';

function apps(env: Record<string, string>): Array<[string, string, string]> {
  return loadConfig(env).apiKeys.map((k) => [k.name, k.key, formatGrants(k.grants)]);
}

describe('API_KEYS and ADMIN_API_KEYS grants', () => {
  it('gives name:key entries the defaults: meetings for apps, everything for admins', () => {
    expect(apps({ API_KEYS: `billing:${KEY}`, ADMIN_API_KEYS: `ops:${KEY}x` })).toEqual([
      ['billing', KEY, 'meetings=rw;ownership=own'],
      ['ops', `${KEY}x`, '*=rw;ownership=all;admin'],
    ]);
  });

  it('reads grants written in brackets after the name, leaving a key with colons intact', () => {
    expect(apps({ API_KEYS: `crm[users=r;meetings=rw;ownership=all]:${KEY}:with:colons` })).toEqual(
      [['crm', `${KEY}:with:colons`, 'meetings=rw;users=r;ownership=all']],
    );
    expect(apps({ API_KEYS: `legacy:${KEY}[not-grants]` })).toEqual([
      ['legacy', `${KEY}[not-grants]`, 'meetings=rw;ownership=own'],
    ]);
  });

  it('lets one app hold two keys in one variable, for a rotation overlap', () => {
    expect(apps({ API_KEYS: `billing:${KEY},billing:${KEY}new` }).map(([name]) => name)).toEqual([
      'billing',
      'billing',
    ]);
  });

  it.each([
    [
      { API_KEYS: `billing[meetings=x]:${KEY}` },
      /API_KEYS entry 1 \(billing\): meetings must be r, w or rw/,
    ],
    [
      { API_KEYS: `billing[meetings=rw:${KEY}` },
      /API_KEYS entry 1 must be name:key or name\[grants\]:key/,
    ],
    [
      { ADMIN_API_KEYS: `ops[]:${KEY}` },
      /ADMIN_API_KEYS entry 1 \(ops\): grants must name at least one area/,
    ],
    [
      { API_KEYS: `billing[users=r]:${KEY},billing:${KEY}new` },
      /API_KEYS gives the app "billing" two different grants/,
    ],
    [
      { API_KEYS: `billing:${KEY}`, ADMIN_API_KEYS: `billing:${KEY}x` },
      /names the key "billing" twice/,
    ],
  ])('stops the process naming the variable for %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
    expect(() => loadConfig(env)).not.toThrow(KEY);
  });
});
