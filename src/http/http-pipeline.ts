import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from 'nestjs-pino/storage.js';
import { AllExceptionsFilter } from '../common/errors/all-exceptions.filter.js';
import { DomainError, ErrorCode } from '../common/errors/index.js';
import { HttpLogger } from '../logging/logging.module.js';
import { RequestMetrics } from '../metrics/request-metrics.js';
import { setServerRoute } from '../tracing/server-route.js';
import { installBodyParsers } from './body-parsers.js';
import { conditionalGet } from './conditional-get.js';
import {
  type GatewayFastifyAdapter,
  HEADERS_TIMEOUT_MS,
  MAX_SEGMENT_LENGTH,
} from './gateway-adapter.js';
import { acceptRequestTarget } from './request-target.js';

const LOG_STORE = Symbol('log-store');

interface LoggedRequest {
  [LOG_STORE]?: Store;
}

/**
 * What every request goes through before Nest's guards, in this order: its request-log line and
 * id, its metrics, the one reading of its target (400 `invalid_path` for an ambiguous one); then
 * what `installAdmission` adds (body deadlines, the key and the app's in-flight place before the
 * body is read); its body (JSON whole, anything else left a stream); then, around the handler,
 * its logger current; and on the way out a weak ETag and 304 for GET.
 */
export function installHttpPipeline(
  app: NestFastifyApplication,
  adapter: GatewayFastifyAdapter,
): void {
  const fastify = adapter.getInstance();
  const logs = app.get(HttpLogger);
  const errors = app.get(AllExceptionsFilter);
  const metrics = app.get(RequestMetrics);

  // A target Fastify's router cannot even read (a malformed escape, an over-long segment) is
  // answered like any other ambiguous target.
  adapter.onFrameworkError = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) =>
    errors.send(
      error.statusCode !== undefined && error.statusCode < 500
        ? new DomainError(
            ErrorCode.InvalidPath,
            error.code === 'FST_ERR_MAX_PARAM_LENGTH'
              ? `A path segment is longer than ${MAX_SEGMENT_LENGTH} characters.`
              : 'The request path holds a malformed escape.',
          )
        : error,
      request,
      reply,
    );

  fastify.addHook('onRequest', (request: FastifyRequest & LoggedRequest, reply, done) => {
    const store = logs.begin(request.raw, reply.raw, request.id);
    request[LOG_STORE] = store;
    const route = request.routeOptions.url;
    // The request's span is named by its route template (`GET /v2/meetings/:meetingId`).
    if (route !== undefined) setServerRoute(route);
    metrics.track(request, reply.raw, () => route ?? 'unmatched');
    logs.within(store, () => {
      if (acceptRequestTarget(request, reply, errors)) done();
    });
  });
  // The body was read in between, outside any request's context: the handler gets it back.
  fastify.addHook('preHandler', (request: FastifyRequest & LoggedRequest, _reply, done) => {
    const store = request[LOG_STORE];
    if (store) logs.within(store, done);
    else done();
  });
  fastify.addHook('onSend', conditionalGet);
  adapter.getHttpServer().headersTimeout = HEADERS_TIMEOUT_MS;
  installBodyParsers(fastify);
}
