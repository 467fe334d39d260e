// The gateway as it ships (src/main.ts), with bench-only changes applied before it starts:
//
// - always: the rate-limit governor's per-second plan limits are lifted, so that what is measured
//   is the gateway's own cost and not the pacing it applies on purpose (Zoom's limits are 30-80
//   calls/s; the Business plan's 80/s would cap every throughput measurement). The governor still
//   runs on every call, with its Redis reservation: only the numbers it paces to change.
// - BENCH_LEVERS=undici: a lever tried without touching src (issue 16, item 4): the meetings
//   routes' Zoom client (ZoomApiClient's one raw attempt, axios today) sends through an undici
//   keep-alive pool instead, as the pass-through already does. Same request, same answer shape,
//   same metrics; only the HTTP client differs.
//
// Used by the proxy, scale and memory scenarios.
// oxlint-disable-next-line import/no-unassigned-import -- decorator metadata polyfill, before any decorated class
import 'reflect-metadata';
import { Agent, request } from 'undici';
import { DomainError, ErrorCode } from '../src/common/errors/index.js';
import type { AppConfig } from '../src/config/app-config.js';
import type { MetricsService } from '../src/metrics/metrics.service.js';
import { parseZoomJson, ZoomApiClient } from '../src/zoom/api/zoom-api.client.js';
import type { ZoomRequest, ZoomResponse } from '../src/zoom/api/zoom-api.types.js';
import { PLAN_LIMITS } from '../src/zoom/api/rate-limit-governor.js';
import type { ZoomToken } from '../src/zoom/token/zoom-token.service.js';

const LIFTED_PER_SECOND = 1_000_000;

for (const limits of Object.values(PLAN_LIMITS)) {
  limits.light = LIFTED_PER_SECOND;
  limits.medium = LIFTED_PER_SECOND;
  limits.heavy = LIFTED_PER_SECOND;
}

const levers = new Set((process.env.BENCH_LEVERS ?? '').split(',').filter(Boolean));

/** The fields of ZoomApiClient the replacement attempt reads (private in src, present at run time). */
interface ClientFields {
  config: AppConfig;
  metrics: MetricsService;
}

if (levers.has('undici')) {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 256 });
  async function attempt(
    this: ClientFields,
    req: ZoomRequest,
    token: ZoomToken,
  ): Promise<ZoomResponse> {
    const timeout = req.timeoutMs ?? 15_000;
    const started = performance.now();
    let url = `${this.config.zoomApiBaseUrl}${req.path}`;
    if (req.query) {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(req.query))
        if (value !== undefined) query.set(key, String(value));
      const text = query.toString();
      if (text) url += `?${text}`;
    }
    try {
      const response = await request(url, {
        method: req.method,
        headers: {
          authorization: `Bearer ${token.accessToken}`,
          accept: 'application/json',
          ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        dispatcher: agent,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      const text = await response.body.text();
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers))
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      this.metrics.observeZoomCall(
        req.route,
        response.statusCode,
        (performance.now() - started) / 1_000,
      );
      return { status: response.statusCode, data: parseZoomJson(text), headers };
    } catch (error) {
      this.metrics.observeZoomCall(req.route, 'error', (performance.now() - started) / 1_000);
      throw new DomainError(
        ErrorCode.ZoomUnreachable,
        `Zoom could not be reached for ${req.route}.`,
        { cause: error },
      );
    }
  }
  Object.defineProperty(ZoomApiClient.prototype, 'attempt', { value: attempt });
}

await import('../src/main.js');
