/**
 * The one header policy between callers and Zoom: which caller headers reach Zoom (an
 * allow-list), and which of Zoom's answer headers reach the caller (all but hop-by-hop ones and
 * cookies when Zoom's answer is relayed; the tracking and rate-limit ones when the gateway shaped
 * the answer). The gateway chooses Accept-Encoding itself.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * The caller headers that reach Zoom: what describes the body and the answer wanted, nothing
 * else. An allow-list, because a caller's header Zoom (or a proxy before it) honours could
 * change what a checked call does: `X-HTTP-Method-Override` a GET into a DELETE,
 * `X-Original-URL` / `X-Rewrite-URL` the path that grants were checked on. The caller's API
 * key, cookies, Idempotency-Key, Accept-Encoding (Zoom answers uncompressed, so the gateway can
 * read a 401's code), forwarding headers and Content-Length (set per attempt) stay here.
 */
const FORWARDED_TO_ZOOM = new Set([
  'accept',
  'accept-language',
  'content-type',
  'content-encoding',
  'content-language',
  'content-disposition',
  'content-md5',
  'user-agent',
  'range',
  'if-range',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'cache-control',
]);

/** Header names a `Connection` header nominates as hop-by-hop for this message. */
function nominated(connection: string | string[] | undefined): Set<string> {
  const value = Array.isArray(connection) ? connection.join(',') : (connection ?? '');
  return new Set(
    value
      .split(',')
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
}

export function forwardedRequestHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const dropped = nominated(headers.connection);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || !FORWARDED_TO_ZOOM.has(name) || dropped.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * Zoom's answer headers go back as Zoom sent them (Content-Type, Content-Length,
 * Content-Disposition, x-zm-trackingid, X-RateLimit-*, Retry-After, Location...), except
 * hop-by-hop ones (and any its Connection header names) and Set-Cookie: Zoom's cookies are for
 * api.zoom.us, not for our callers.
 */
export function relayedResponseHeaders(headers: Record<string, string>): Record<string, string> {
  const dropped = nominated(headers.connection);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (HOP_BY_HOP.has(name) || dropped.has(name) || name === 'set-cookie') continue;
    out[name] = value;
  }
  return out;
}

/**
 * Of Zoom's answer headers, the ones an answer the gateway shaped itself (the meetings routes:
 * records, filtered lists, Zoom's errors as its own) carries, on success as on failure: the
 * tracking id Zoom's support asks for, the rate limits and Retry-After. A relayed answer carries
 * all of Zoom's (`relayedResponseHeaders`).
 */
export function zoomAnswerHeaders(headers: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (name === 'x-zm-trackingid' || name.startsWith('x-ratelimit-') || name === 'retry-after')
      kept[name] = value;
  return kept;
}
