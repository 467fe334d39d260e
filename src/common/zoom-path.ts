import { DomainError } from './errors/index.js';

/**
 * The part of a `/v2/...` URL to send to Zoom, relative to ZOOM_API_BASE_URL, with the query
 * exactly as the caller wrote it. Dot segments, backslashes and empty segments are refused
 * (400, before Zoom): a URL parser would resolve `/v2/../oauth/token` outside the API.
 */
export function zoomPathOf(originalUrl: string): { path: string; search: string } {
  const queryAt = originalUrl.indexOf('?');
  const fullPath = queryAt < 0 ? originalUrl : originalUrl.slice(0, queryAt);
  const search = queryAt < 0 ? '' : originalUrl.slice(queryAt);
  const path = fullPath.replace(/^\/v2(?=\/)/i, '');
  const segments = path.split('/').slice(1);
  const unsafe = segments.some((segment, index) => {
    const decoded = decodePathSegment(segment);
    return (
      decoded === '.' ||
      decoded === '..' ||
      decoded.includes('/') ||
      decoded.includes('\\') ||
      (segment === '' && index < segments.length - 1)
    );
  });
  if (unsafe || path === fullPath || search.includes('#')) {
    throw DomainError.validation(`Invalid path: ${fullPath.slice(0, 200)}.`, [
      { field: 'path', message: 'Dot segments, empty segments and backslashes are not allowed.' },
    ]);
  }
  return { path, search };
}

/** A path segment as its writer meant it; a malformed escape is kept as written, never a throw. */
export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
