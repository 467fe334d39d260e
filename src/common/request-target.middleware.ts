import type { NextFunction, Request, Response } from 'express';
import type { AllExceptionsFilter } from './errors/all-exceptions.filter.js';
import { canonicalTarget, requestZoomPath, ZOOM_SURFACE } from './zoom-path.js';

/**
 * Refuses (400 `invalid_path`) a request target that two parsers could read as two paths,
 * before routing, body parsing or any check; for a `/v2` target it also builds the request's one
 * Zoom path, which every later step reads. True when the request may go on.
 */
export function acceptRequestTarget(
  request: Request,
  response: Response,
  errors: AllExceptionsFilter,
): boolean {
  try {
    const target = request.url;
    if (ZOOM_SURFACE.test(target)) requestZoomPath(request);
    else canonicalTarget(target);
    return true;
  } catch (error) {
    errors.send(error, request, response);
    return false;
  }
}

/** `acceptRequestTarget` as the first Express middleware. */
export function requestTargetMiddleware(errors: AllExceptionsFilter) {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (acceptRequestTarget(request, response, errors)) next();
  };
}
