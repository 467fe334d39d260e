import type { Express, Request, Response } from 'express';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import parseurl from 'parseurl';
import { expressRouteOf, type MatchedRoute } from './express-route.js';
import { requestZoomPath } from '../common/zoom-path.js';

/**
 * A route served beside Express's router and Nest's per-request pipeline: the same guards,
 * parsers, handler, filter, request log and metrics, called directly, for a route hot enough
 * that the layers between them are most of its cost (see README, Performance).
 */
export interface FastPath {
  /** The route under `/v2/` (as Express names it: `/v2/meetings/:meetingId`) whose GETs this path serves. */
  readonly route: string;
  /** Answers the request; Express's request and response methods and `params` are there. */
  serve(request: Request, response: Response): void;
}

/** Where every fast path's route lives: Zoom's surface. */
const FAST_PATH_PREFIX = '/v2/';

/** Body-less GETs only: a body would be Express's to parse (and to refuse when malformed). */
function takesFastPath(req: IncomingMessage): boolean {
  return (
    req.method === 'GET' &&
    req.url?.startsWith(FAST_PATH_PREFIX) === true &&
    req.headers['content-length'] === undefined &&
    req.headers['transfer-encoding'] === undefined &&
    hasZoomPath(req)
  );
}

/** A target with no single reading goes to Express, whose first middleware refuses it. */
function hasZoomPath(req: IncomingMessage): boolean {
  try {
    requestZoomPath(req);
    return true;
  } catch {
    return false;
  }
}

/** The /v2 route Express would pick; undefined when it cannot tell (it answers those itself). */
function fastRouteOf(express: Express, req: IncomingMessage): MatchedRoute | undefined {
  // The pathname as Express's router reads it (no query, no `#fragment`), parsed once for both.
  const pathname = parseurl(req)?.pathname;
  if (pathname === undefined || pathname === null) return undefined;
  try {
    return expressRouteOf(express, FAST_PATH_PREFIX, 'GET', pathname);
  } catch {
    // A parameter that does not decode (`%E0%A4%A`): Express's router turns it into a 400.
    return undefined;
  }
}

/**
 * Puts the fast paths in front of the Express app on the server's `request` event: a GET
 * Express would route to one of their routes goes to that path; every other request goes to
 * Express untouched.
 */
export function installFastPaths(
  server: Server,
  express: Express,
  paths: readonly FastPath[],
): void {
  if (paths.length === 0) return;
  const byRoute = new Map(paths.map((path) => [path.route, path]));
  server.removeListener('request', express);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const matched = takesFastPath(req) ? fastRouteOf(express, req) : undefined;
    const path = matched && byRoute.get(matched.route);
    if (!path) {
      express(req, res);
      return;
    }
    const [request, response] = withExpressMethods(express, req, res);
    request.params = matched.params;
    path.serve(request, response);
  });
}

/**
 * What Express does first for every request (`app.handle`, then its router): links request and
 * response and gives them Express's methods, so an answer is sent exactly as Express sends it
 * (ETag and 304, Content-Type, Content-Length).
 */
function withExpressMethods(
  express: Express,
  req: IncomingMessage,
  res: ServerResponse,
): [Request, Response] {
  if (express.enabled('x-powered-by')) res.setHeader('X-Powered-By', 'Express');
  Object.setPrototypeOf(req, express.request);
  Object.setPrototypeOf(res, express.response);
  // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- its prototype is Express's request now
  const request = req as Request;
  // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- its prototype is Express's response now
  const response = res as Response;
  request.res = response;
  response.req = request;
  request.originalUrl = req.url ?? '/';
  request.baseUrl = '';
  response.locals = {};
  return [request, response];
}
