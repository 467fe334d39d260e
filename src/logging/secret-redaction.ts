/** What a secret's value becomes in a log line. */
export const CENSOR = '[redacted]';

/**
 * How the names of properties holding credentials end, wherever they appear in a log line
 * (compared without regard to case): Zoom's client secret and tokens (`clientSecret`,
 * `access_token`, `refresh_token`), API keys (`apiKey`, `idempotency-key`), passwords, and the
 * headers that carry them (`authorization`, `set-cookie`, `x-zm-signature`). A name that merely
 * ends like one (`cacheKey`) is censored too: a line missing a value is better than a leaked one.
 */
export const SECRET_NAME_ENDINGS: readonly string[] = [
  'authorization',
  'cookie',
  'signature',
  'secret',
  'token',
  'password',
  'key',
];

/**
 * A secret-named key as pino writes it: `"…name":`. A key inside a JSON string has its quotes
 * escaped, and a name holds no quote or backslash here, so neither is taken for a key.
 */
const SECRET_KEY = new RegExp(`"[^"\\\\]*(?:${SECRET_NAME_ENDINGS.join('|')})":`, 'gi');

/** Where the JSON value starting at `start` ends (exclusive): a string, an object or array, or a literal. */
function endOfValue(line: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < line.length; i++) {
    const char = line[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') {
        inString = false;
        if (depth === 0) return i + 1;
      }
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') {
      if (depth === 0) return i;
      depth--;
      if (depth === 0) return i + 1;
    } else if (char === ',' && depth === 0) return i;
  }
  return line.length;
}

/**
 * A finished JSON log line with the value of every secret-named property, at any depth and
 * whatever its type, replaced by CENSOR; the same string when it names none. Applied to the line
 * pino is about to write, it covers a log call's object, a child logger's bindings and a
 * serialized error alike. Why not pino's `redact`: its wildcard paths (`*.token`) clone and
 * re-serialize every value of every line, about a seventh of what a proxied request allocated,
 * and reach one level deep only.
 */
export function censorSecrets(line: string): string {
  SECRET_KEY.lastIndex = 0;
  let match = SECRET_KEY.exec(line);
  if (match === null) return line;
  let out = '';
  let copied = 0;
  while (match !== null) {
    const valueStart = match.index + match[0].length;
    const valueEnd = endOfValue(line, valueStart);
    out += `${line.slice(copied, valueStart)}"${CENSOR}"`;
    copied = valueEnd;
    SECRET_KEY.lastIndex = valueEnd;
    match = SECRET_KEY.exec(line);
  }
  return out + line.slice(copied);
}
