import type { Express, Request, Response } from 'express';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * A route served beside Express's router and Nest's pipeline: the same guard, handler, filter,
 * request log and metrics, called directly, for a route hot enough that the layers between
 * them are most of its cost (see README, Performance).
 */
export interface FastPath {
  /** Whether this path serves `req`; decided from the method and URL alone, before any work. */
  matches(req: IncomingMessage): boolean;
  /** Answers the request (Express's request and response methods are there). */
  serve(request: Request, response: Response): void;
}

/**
 * Puts the fast paths in front of the Express app on the server's `request` event: a request
 * no path matches goes to Express untouched.
 */
export function installFastPaths(
  server: Server,
  express: Express,
  paths: readonly FastPath[],
): void {
  if (paths.length === 0) return;
  server.removeListener('request', express);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = paths.find((candidate) => candidate.matches(req));
    if (path === undefined) {
      express(req, res);
      return;
    }
    path.serve(...withExpressMethods(express, req, res));
  });
}

/**
 * What Express does first for every request (`app.handle`): links request and response and
 * gives them Express's methods, so an answer is sent exactly as Express sends it (ETag and 304,
 * Content-Type, Content-Length).
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
  // What the router sets before any middleware runs.
  request.originalUrl = req.url ?? '/';
  request.baseUrl = '';
  response.req = request;
  response.locals = {};
  return [request, response];
}
