import { DomainError, ErrorCode } from './errors/index.js';

/**
 * The one reading of a request target that every part of the gateway uses: grants, ownership,
 * the route table, the read cache, metrics and logs read `path`, and `path + search` is exactly
 * what goes to Zoom after ZOOM_API_BASE_URL. It is built once per request (see
 * `requestTargetOf`), by one parser (WHATWG URL), and only from a target that every common
 * parser reads the same way: anything another server could read as a different path is refused
 * before any check runs (see README, "Security model").
 */
export interface ZoomPath {
  /** Relative to `/v2`, still percent-encoded exactly as received, e.g. `/users/a%40b.com`. */
  path: string;
  /** The query with its `?`, byte for byte as received, or `''`. */
  search: string;
}

/** `/v2/...`, matched as the router matches it (case-insensitively). */
export const ZOOM_SURFACE = /^\/v2\//i;

/** The most times a segment may be percent-encoded: Zoom double-encodes some UUIDs, never more. */
const MAX_ENCODINGS = 2;

/**
 * A Zoom meeting or webinar UUID: base64 ending in `==` (16 bytes; the docs' own example is
 * shorter, so the length is loose). Zoom documents `%2F` inside a path segment only for these
 * ("encoded once, or twice when it begins with `/` or contains `//`"), so an encoded slash
 * anywhere else is refused: a server that decodes it would see another path.
 */
const ZOOM_UUID = /^[A-Za-z0-9+/]{4,64}==$/;

/** A parser's base for origin-form targets; never contacted. */
const PARSE_BASE = 'http://gateway.invalid';

/** Any control character, including DEL: servers disagree on where such a path ends. */
// oxlint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

function refuse(target: string, reason: string): DomainError {
  return new DomainError(ErrorCode.InvalidPath, `Invalid request path: ${reason}.`, {
    errors: [{ field: 'path', message: `${reason} (${target.slice(0, 200)})` }],
  });
}

/** Why one path segment is ambiguous, or undefined when every reading of it is the same. */
function segmentProblem(segment: string): string | undefined {
  if (segment.includes(';')) return '`;` path parameters are not allowed';
  let current = segment;
  for (let encodings = 0; ; encodings++) {
    if (current.includes('\\')) return 'backslashes are not allowed';
    if (CONTROL.test(current)) return 'control characters are not allowed';
    if (encodings > 0 && current.includes(';'))
      return 'an encoded `;` is not allowed in a path segment';
    if (current.split('/').some((part) => part === '.' || part === '..'))
      return 'dot segments are not allowed, in any encoding';
    if (encodings > 0 && current.includes('/') && !ZOOM_UUID.test(current.replaceAll('%2F', '/')))
      return 'an encoded `/` is allowed only inside a meeting or webinar UUID';
    if (!current.includes('%')) return undefined;
    if (encodings === MAX_ENCODINGS) return 'a segment may be percent-encoded at most twice';
    try {
      current = decodeURIComponent(current);
    } catch {
      return 'malformed percent-encoding';
    }
  }
}

/**
 * The canonical reading of a whole request target (`/path?query`), or a 400 `invalid_path`
 * naming why there is none: a `#` anywhere, an absolute-form target, an empty segment, a `;`, a
 * backslash or dot segment in any encoding, a malformed escape, or characters WHATWG URL would
 * rewrite (the target must already be what the parser writes, so no later step can differ).
 */
export function canonicalTarget(target: string): { path: string; search: string } {
  if (target.includes('#')) throw refuse(target, '`#` is not allowed in a request target');
  if (!target.startsWith('/')) throw refuse(target, 'the target must be a path');
  const queryAt = target.indexOf('?');
  const path = queryAt < 0 ? target : target.slice(0, queryAt);
  const search = queryAt < 0 ? '' : target.slice(queryAt);
  const segments = path.split('/').slice(1);
  for (const [index, segment] of segments.entries()) {
    // A trailing slash is one empty segment every parser reads alike; `//` is not.
    if (segment === '' && index < segments.length - 1)
      throw refuse(target, 'empty path segments are not allowed');
    const problem = segmentProblem(segment);
    if (problem) throw refuse(target, problem);
  }
  if (search.includes('\\')) throw refuse(target, 'backslashes are not allowed');
  let parsed: URL;
  try {
    parsed = new URL(target, PARSE_BASE);
  } catch {
    throw refuse(target, 'the target does not parse as a URL');
  }
  if (parsed.origin !== PARSE_BASE || `${parsed.pathname}${parsed.search}` !== target)
    throw refuse(target, 'characters must be percent-encoded as a URL parser writes them');
  return { path, search };
}

/**
 * The `/v2` part of a canonical target: the path relative to `/v2` and the query; a 400 when
 * the target is not under `/v2/` (the prefix is matched case-insensitively, as routes are).
 */
export function zoomPathOf(target: string): ZoomPath {
  const { path, search } = canonicalTarget(target);
  if (!ZOOM_SURFACE.test(path)) throw refuse(target, 'Zoom paths start with /v2/');
  return { path: path.slice(3), search };
}

const READINGS = new WeakMap<object, ZoomPath>();

/** The request's one Zoom path, built on first use and kept with the request. */
export function requestZoomPath(request: { originalUrl?: string; url?: string }): ZoomPath {
  let reading = READINGS.get(request);
  if (!reading) {
    reading = zoomPathOf(request.originalUrl ?? request.url ?? '');
    READINGS.set(request, reading);
  }
  return reading;
}

/** A path segment as its writer meant it; a malformed escape is kept as written, never a throw. */
export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
