import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AllExceptionsFilter } from '../common/errors/all-exceptions.filter.js';
import { canonicalTarget, requestZoomPath, ZOOM_SURFACE } from '../common/zoom-path.js';

/**
 * Refuses (400 `invalid_path`) a request target that two parsers could read as two paths,
 * before body parsing, any guard or any handler runs; for a `/v2` target it also builds the
 * request's one Zoom path, which every later step reads. True when the request may go on.
 * Fastify's router has matched a route by then, but on a canonical target it reads the same
 * path (no `;` delimiter, no duplicate-slash folding, segments no longer than it matches).
 */
export function acceptRequestTarget(
  request: FastifyRequest,
  reply: FastifyReply,
  errors: AllExceptionsFilter,
): boolean {
  try {
    const target = request.url;
    if (ZOOM_SURFACE.test(target)) requestZoomPath(request);
    else canonicalTarget(target);
    return true;
  } catch (error) {
    errors.send(error, request, reply);
    return false;
  }
}
