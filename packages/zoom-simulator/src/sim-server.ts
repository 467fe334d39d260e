// The HTTP front: dispatches `/oauth/token`, `/v2/...` and `/__simulator/...`, applying
// latency and faults, then bearer auth, scopes and rate limits before a route's handler (or the
// 404/405 of a path it does not serve).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { SimCore } from './sim-core.js';
import type { Fault, Target } from './sim-faults.js';
import { readBody, send, trackingHeader, type Reply } from './sim-http.js';
import type { SimRequest } from './sim-request-log.js';
import { ZoomRouteTable } from '@zoom-gateway/zoom-routes';
import { bucketOf } from './sim-rate-tables.js';
import { scopedCallOf, type SubjectSources } from './sim-rate-subjects.js';
import { buildRoutes, matchRoute, type Route } from './sim-routes.js';
import { grants, SIM_SCOPES } from './sim-scopes.js';
import { bump } from './sim-stats.js';
import { API_ERRORS, missingScopes } from './zoom-responses.js';

export const CONTROL_PREFIX = '/__simulator/';

export type ControlHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  action: string,
  body: Buffer,
) => Promise<void>;

export class SimServer {
  private readonly routes: Route[];
  /** Zoom's operations and their rate-limit labels: the gateway's data file, read once. */
  private readonly zoomRoutes = ZoomRouteTable.default();
  private readonly subjects: SubjectSources;

  constructor(
    private readonly core: SimCore,
    private readonly controlHandler: ControlHandler,
  ) {
    this.routes = buildRoutes(core);
    this.subjects = {
      userId: (userId) => core.users.resolve(userId)?.id,
      meetingHost: (meetingId) => core.meetings.find(meetingId)?.hostId,
    };
  }

  onRequest(req: IncomingMessage, res: ServerResponse): void {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const query = new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1));

    const log = this.core.requestLog;
    if (path.startsWith(CONTROL_PREFIX)) {
      const entry = log.start(req, res, path, query, 'control');
      if (!this.core.options.controlRoutes) return send(res, 404, API_ERRORS.notFound);
      const action = path.slice(CONTROL_PREFIX.length);
      void readBody(req).then(({ body, size }) => {
        entry.bodyBytes = size;
        return this.controlHandler(req, res, action, body);
      });
      return;
    }

    const target: Target | undefined =
      path === '/oauth/token' ? 'token' : path.startsWith('/v2/') ? 'api' : undefined;
    const entry = log.start(req, res, path, query, target ?? 'other');
    if (!target) return send(res, 404, API_ERRORS.notFound);
    if (target === 'token') this.trackTokenRequest(res);
    else this.core.counters.apiCalls++;

    void readBody(req).then(async ({ body, size }) => {
      entry.bodyBytes = size;
      const { faults, counters } = this.core;
      const latency = faults.latency(target);
      if (latency > 0) await new Promise((r) => setTimeout(r, latency));
      const fault = faults.take(target);
      if (fault?.kind === 'drop') {
        if (target === 'token') bump(counters.tokenErrors, 'dropped');
        req.socket.destroy();
        return;
      }
      if (target === 'api') return this.handleApi(req, res, path, query, body, fault, entry);
      if (fault) {
        bump(counters.tokenErrors, String(fault.status));
        return send(res, fault.status, {
          reason: 'Service temporarily unavailable',
          error: 'server_error',
        });
      }
      return this.core.oauth.handleToken(req, res, query, body);
    });
  }

  /** Counts token requests and the most in flight at once. */
  private trackTokenRequest(res: ServerResponse): void {
    const core = this.core;
    core.counters.tokenRequests++;
    core.tokenRequestsInFlight++;
    core.counters.maxConcurrentTokenRequests = Math.max(
      core.counters.maxConcurrentTokenRequests,
      core.tokenRequestsInFlight,
    );
    let done = false;
    const finished = () => {
      if (!done) {
        done = true;
        core.tokenRequestsInFlight--;
      }
    };
    res.once('finish', finished);
    res.once('close', finished);
  }

  private handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams,
    rawBody: Buffer,
    fault: Fault | undefined,
    entry: SimRequest,
  ): void {
    const core = this.core;
    const method = req.method ?? 'GET';
    let segments: string[];
    try {
      segments = path.split('/').filter(Boolean).map(decodeURIComponent); // ['v2', ...]
    } catch {
      segments = path.split('/').filter(Boolean);
    }
    const { route, params, allowed } = matchRoute(this.routes, method, segments);
    const routeKey = route ? `${method} ${route.pattern}` : `${method} (unmatched)`;
    if (route) entry.route = routeKey;
    // Category and product as Zoom labels the operation, for every /v2 path the simulator may
    // or may not serve: Zoom counts a call before it knows whether it will find anything.
    const zoomRoute = this.zoomRoutes.lookup(method, path.slice('/v2'.length));
    entry.bucket = bucketOf(zoomRoute.product, zoomRoute.category);
    let rateHeaders: Record<string, string> = {};
    const count = (status: number) => {
      const byRoute = (core.counters.apiCallsByRoute[routeKey] ??= {});
      bump(byRoute, String(status));
      if (status === 429) core.counters.rateLimited++;
    };
    const reply: Reply = (status, body, headers) => {
      count(status);
      send(res, status, body, core.rates.filter({ ...rateHeaders, ...headers }));
    };
    const stream = (
      status: number,
      headers: Record<string, string | number>,
      chunks: Iterable<Buffer>,
    ) => {
      count(status);
      if (res.headersSent || res.destroyed) return;
      res.writeHead(status, { ...trackingHeader(), ...core.rates.filter(rateHeaders), ...headers });
      Readable.from(chunks).pipe(res);
    };

    if (fault) {
      return reply(fault.status, {
        code: fault.status,
        message: 'The service is temporarily unavailable. Please try again later.',
      });
    }

    const auth = core.oauth.authenticate(
      req.headers.authorization ?? '',
      route?.name === 'rotateSecret',
    );
    if (!auth.ok) return reply(401, auth.body);
    if (route && !grants(auth.token.scopes, route.name)) {
      return reply(400, missingScopes(SIM_SCOPES[route.name]));
    }

    const decision = core.rates.admit(
      { product: zoomRoute.product, category: zoomRoute.category },
      () => scopedCallOf(zoomRoute, rawBody, this.subjects),
    );
    if (decision && !decision.ok) {
      entry.rateLimited = decision.kind;
      return core.rates.replyRateLimited(reply, decision);
    }
    rateHeaders = core.rates.headersFor(decision);

    if (!route && allowed.length > 0) {
      // (chosen) A known path with a method it does not serve: 405 with Allow, Zoom-shaped body.
      return reply(405, noHandler(method, path, 405), { allow: allowed.join(', ') });
    }
    if (!route) return reply(404, noHandler(method, path, 404));

    let body: unknown;
    if (route.hasBody) {
      const text = rawBody.toString('utf8');
      try {
        body = text.trim() === '' ? undefined : (JSON.parse(text) as unknown);
      } catch {
        body = Symbol('invalid json');
      }
    }
    route.handle(
      { segments, query, body, raw: rawBody, headers: req.headers, reply, stream },
      params,
    );
  }
}

/** (chosen) Zoom's answer for a `/v2` path it has no route for: its backend's "No handler found"
 * wording, in Zoom's `{code, message}` shape. */
const noHandler = (method: string, path: string, code: number) => ({
  code,
  message: `No handler found for ${method} ${path}`,
});
