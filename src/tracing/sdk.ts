import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { IncomingMessage } from 'node:http';
import { register } from 'node:module';
import { redactUrl, redisStatement, SENSITIVE_QUERY_SPELLINGS } from './redaction.js';
import { defaultServiceName, type Environment } from './tracing-env.js';

/** The packages the instrumentations patch that the gateway's ES modules import (Nest, Redis, SQL). */
const ESM_HOOKED = ['@nestjs/core', 'ioredis', 'pg', 'pg-pool'];

/** Routes polled by probes and scrapers: a span each would bury the requests that matter. */
const UNTRACED_PATHS = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

function untraced(request: IncomingMessage): boolean {
  return UNTRACED_PATHS.has((request.url ?? '').split('?')[0] ?? '');
}

/**
 * The instrumentations: every request in (http, Nest's handler), every call out (node:http,
 * which axios and the token client use; undici, which the pass-through uses), Redis and
 * PostgreSQL. No header is ever recorded (no headersToSpanAttributes), so neither the callers'
 * API keys nor the bearer or Basic credentials sent to Zoom can reach a span; sensitive query
 * parameters are redacted from URLs; Redis commands show keys, never values; SQL shows its
 * text with placeholders, never the parameters.
 */
export function instrumentations() {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: untraced,
      redactedQueryParams: SENSITIVE_QUERY_SPELLINGS,
      redactedQueryParamsServer: SENSITIVE_QUERY_SPELLINGS,
    }),
    new NestInstrumentation(),
    // Background polling (key announcements, breaker pings, leases) would be a root span each.
    new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: redisStatement }),
    new PgInstrumentation({ requireParentSpan: true }),
    new UndiciInstrumentation({
      requestHook: (span, request) => {
        if (!request.path.includes('?')) return;
        const url = redactUrl(`${request.origin}${request.path}`);
        span.setAttribute('url.full', url);
        span.setAttribute('url.query', url.slice(url.indexOf('?') + 1));
      },
    }),
  ];
}

/**
 * Starts the OpenTelemetry SDK for traces, configured by the standard OTEL_* variables
 * (endpoint, protocol, headers, sampler, batch delays, resource attributes). Metrics stay on
 * Prometheus (/metrics) and logs on stdout: the SDK exports neither.
 */
export function startTracing(env: Environment): NodeSDK {
  // ESM imports bypass require hooks: Node's loader hook (import-in-the-middle) lets the
  // instrumentations patch these packages when the app imports them. Only these are wrapped.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
    data: { include: ESM_HOOKED },
  });
  const sdk = new NodeSDK({
    serviceName: defaultServiceName(env),
    instrumentations: instrumentations(),
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return sdk;
}
