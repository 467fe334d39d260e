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
 * Request headers that stay at the gateway: the caller's API key (replaced by the fleet's Zoom
 * token), its cookies, the gateway's own Idempotency-Key, the host, and Accept-Encoding (so
 * Zoom answers uncompressed and the gateway can read a 401's code). Content-Length is set per
 * attempt. `Expect: 100-continue` is answered by Node itself.
 */
const KEPT_AT_GATEWAY = new Set([
  'host',
  'authorization',
  'cookie',
  'idempotency-key',
  'accept-encoding',
  'content-length',
  'expect',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'forwarded',
]);

export function forwardedRequestHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || KEPT_AT_GATEWAY.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * Zoom's answer headers go back as Zoom sent them (Content-Type, Content-Length,
 * Content-Disposition, x-zm-trackingid, X-RateLimit-*, Retry-After, Location...), except
 * hop-by-hop ones and Set-Cookie: Zoom's cookies are for api.zoom.us, not for our callers.
 */
export function relayedResponseHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (HOP_BY_HOP.has(name) || name === 'set-cookie') continue;
    out[name] = value;
  }
  return out;
}
