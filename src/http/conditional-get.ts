import etag from 'etag';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fresh from 'fresh';

/**
 * A weak ETag on every 2xx answer to a GET or HEAD whose body is in hand (the gateway's own
 * JSON, Zoom's answers it relays whole), and 304 when the caller's If-None-Match holds it:
 * as Express answered, with the same packages (`etag`, `fresh`). A streamed body gets none,
 * and Zoom's own ETag, when it sent one, is kept.
 */
export function conditionalGet(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (error: null, payload?: unknown) => void,
): void {
  const status = reply.statusCode;
  if (
    (request.method !== 'GET' && request.method !== 'HEAD') ||
    status < 200 ||
    status >= 300 ||
    !(typeof payload === 'string' || Buffer.isBuffer(payload))
  ) {
    done(null, payload);
    return;
  }
  let tag = reply.getHeader('etag');
  if (tag === undefined) {
    tag = etag(payload, { weak: true });
    reply.header('etag', tag);
  }
  if (fresh(request.headers, { etag: String(tag) })) {
    reply.code(304);
    reply.removeHeader('content-length');
    reply.removeHeader('content-type');
    done(null, '');
    return;
  }
  done(null, payload);
}
