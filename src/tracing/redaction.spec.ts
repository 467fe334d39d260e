import { REDACTED, redactQuery, redactUrl, redisStatement } from './redaction.js';

describe(redactQuery.name, () => {
  it('replaces the values of credential-like parameters, whatever their case', () => {
    expect(redactQuery('?page_size=30&access_token=abc&Client_Secret=s')).toBe(
      `?page_size=30&access_token=${REDACTED}&Client_Secret=${REDACTED}`,
    );
    expect(redactQuery('token=1&token=2')).toBe(`token=${REDACTED}`);
  });

  it('leaves other query strings exactly as they were', () => {
    expect(redactQuery('')).toBe('');
    expect(redactQuery('?grant_type=account_credentials&account_id=abc%20d')).toBe(
      '?grant_type=account_credentials&account_id=abc%20d',
    );
  });
});

describe(redactUrl.name, () => {
  it('redacts the query of an absolute URL and keeps its path and fragment', () => {
    expect(redactUrl('https://api.zoom.us/v2/users?access_token=t&page_size=1#x')).toBe(
      `https://api.zoom.us/v2/users?access_token=${REDACTED}&page_size=1#x`,
    );
    expect(redactUrl('/v2/meetings/1')).toBe('/v2/meetings/1');
  });
});

describe(redisStatement.name, () => {
  it('shows the keys of a script call and only counts its other arguments', () => {
    const sealed = 'v1.sealed-token-bytes';
    const statement = redisStatement('evalsha', ['abc123', 1, 'zg:zoom-token', '0', '1', sealed]);
    expect(statement).toBe('evalsha abc123 1 zg:zoom-token [3 other arguments]');
    expect(redisStatement('eval', ['return 1', 0])).toBe('eval [script] 0');
  });

  it('shows the key of a data command but never its value', () => {
    expect(redisStatement('SET', ['zg:cache:x', '{"start_url":"zak"}', 'PX', 10])).toBe(
      'set zg:cache:x [3 other arguments]',
    );
    expect(redisStatement('auth', ['user', 'password'])).toBe('auth [2 other arguments]');
    expect(redisStatement('ping', [])).toBe('ping');
  });
});
