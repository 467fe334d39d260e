/**
 * Query parameters whose values never go into a span (url.full, url.query): credentials a
 * caller or Zoom could put in a URL. The gateway itself sends none (the client secret goes in a
 * Basic header, the bearer in Authorization, and headers are never recorded), so this guards
 * the pass-through, which relays callers' query strings. Matched without regard to case.
 */
export const SENSITIVE_QUERY_PARAMS: readonly string[] = [
  'access_token',
  'refresh_token',
  'id_token',
  'token',
  'client_secret',
  'secret',
  'code',
  'password',
  'api_key',
  'apikey',
  'key',
  'signature',
  'sig',
  'AWSAccessKeyId',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
  'X-Amz-Signature',
  'X-Goog-Signature',
];

export const REDACTED = 'REDACTED';

const sensitive = new Set(SENSITIVE_QUERY_PARAMS.map((name) => name.toLowerCase()));

/** The spellings of SENSITIVE_QUERY_PARAMS the http instrumentation compares exactly. */
export const SENSITIVE_QUERY_SPELLINGS: string[] = [
  ...new Set(
    SENSITIVE_QUERY_PARAMS.flatMap((name) => [name, name.toLowerCase(), name.toUpperCase()]),
  ),
];

/** A query string (with or without its `?`) with the values of sensitive parameters replaced. */
export function redactQuery(query: string): string {
  const bare = query.startsWith('?') ? query.slice(1) : query;
  if (bare === '') return query;
  const params = new URLSearchParams(bare);
  let changed = false;
  for (const name of new Set(params.keys())) {
    if (!sensitive.has(name.toLowerCase())) continue;
    params.set(name, REDACTED);
    changed = true;
  }
  if (!changed) return query;
  return `${query.startsWith('?') ? '?' : ''}${params.toString()}`;
}

/** A URL (absolute, or a path with a query) with the values of sensitive query parameters replaced. */
export function redactUrl(url: string): string {
  const mark = url.indexOf('?');
  if (mark < 0) return url;
  const hash = url.indexOf('#', mark);
  const end = hash < 0 ? url.length : hash;
  return url.slice(0, mark) + redactQuery(url.slice(mark, end)) + url.slice(end);
}

/** Commands whose first argument is a key: the key is shown, never a value. */
const KEY_FIRST = new Set([
  'get',
  'set',
  'del',
  'exists',
  'expire',
  'pexpire',
  'incr',
  'incrby',
  'hget',
  'hgetall',
  'hset',
  'hdel',
  'zadd',
  'zcard',
  'zrange',
  'zrem',
  'zremrangebyscore',
  'publish',
  'subscribe',
  'scan',
  'keys',
]);

function others(count: number): string {
  return count > 0 ? ` [${count} other argument${count === 1 ? '' : 's'}]` : '';
}

/**
 * The Redis command a span shows (db.query.text): its name, the key(s) it touches, and how many
 * other arguments it had, never their values. The instrumentation's default prints every
 * argument of EVAL/EVALSHA, which here include the sealed token and lease owners.
 */
export function redisStatement(command: string, args: ReadonlyArray<unknown>): string {
  const name = command.toLowerCase();
  if (name === 'eval' || name === 'evalsha') {
    const script = name === 'eval' ? '[script]' : String(args[0]);
    const count = Number(args[1]);
    if (!Number.isInteger(count) || count < 0) return `${name} ${script}${others(args.length - 1)}`;
    const keys = args.slice(2, 2 + count).map(String);
    return [name, script, String(count), ...keys].join(' ') + others(args.length - 2 - keys.length);
  }
  if (KEY_FIRST.has(name) && args.length > 0)
    return `${name} ${String(args[0])}${others(args.length - 1)}`;
  return `${name}${others(args.length)}`;
}
