import { Injectable, Module } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { Store, storage } from 'nestjs-pino/storage.js';
import { type HttpLogger as PinoHttpMiddleware, type Options, pinoHttp } from 'pino-http';
import { AppConfig } from '../config/app-config.js';
import { traceLogFields } from '../tracing/log-fields.js';
import { censorSecrets } from './secret-redaction.js';

/**
 * Readable lines for a person at a terminal, JSON for everything else (log shippers, files,
 * containers). pino-pretty is loaded only in the first case, so production never needs it.
 */
export function prettyTransport(
  stream: { isTTY?: boolean } = process.stdout,
): { target: string; options: Record<string, unknown> } | undefined {
  if (!stream.isTTY) return undefined;
  return {
    target: 'pino-pretty',
    options: { colorize: !process.env.NO_COLOR, translateTime: 'SYS:HH:MM:ss.l', singleLine: true },
  };
}

/** The request id a caller sent (`X-Request-Id`, when it is a sane token) or a new one; echoed back. */
function requestIdFor(req: IncomingMessage, res: ServerResponse): string {
  const header = req.headers['x-request-id'];
  const id = typeof header === 'string' && /^[\w.-]{1,64}$/.test(header) ? header : randomUUID();
  res.setHeader('x-request-id', id);
  return id;
}

/** pino-http's options: one line per answered request, with its id, method, path and status. */
export function httpLoggerOptions(config: AppConfig): Options {
  return {
    level: config.logLevel,
    transport: prettyTransport(),
    base: { replica: config.replicaId },
    // Credentials are censored in the finished line: any depth, bindings and errors included.
    hooks: { streamWrite: censorSecrets },
    // trace_id and span_id of the current span on each line, when traces are on.
    mixin: traceLogFields,
    genReqId: requestIdFor,
    autoLogging: {
      ignore: (req: IncomingMessage) => req.url === '/health/live' || req.url === '/metrics',
    },
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url.split('?')[0],
      }),
      // The status is what an operator reads; serialising every response header costs CPU per request.
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
}

/**
 * The one pino-http of the process and its logger: applied first to every request Express
 * serves, and run by the fast paths, so both log the same line with the same request id, and a
 * service's lines during a request carry that request (nestjs-pino's store).
 */
@Injectable()
export class HttpLogger {
  readonly middleware: PinoHttpMiddleware;

  constructor(config: AppConfig) {
    this.middleware = pinoHttp(httpLoggerOptions(config));
  }

  get logger(): PinoHttpMiddleware['logger'] {
    return this.middleware.logger;
  }

  /** Logs `req` as the middleware does, then runs `handler` with the request's logger current. */
  run(req: IncomingMessage, res: ServerResponse, handler: () => void): void {
    this.middleware(req, res);
    storage.run(new Store(req.log), handler);
  }
}

@Module({ providers: [HttpLogger], exports: [HttpLogger] })
class HttpLoggerModule {}

/** nestjs-pino's loggers for Nest and the services, writing through the one HttpLogger. */
@Module({
  imports: [
    HttpLoggerModule,
    LoggerModule.forRootAsync({
      imports: [HttpLoggerModule],
      providers: [],
      inject: [HttpLogger],
      // pino-http is applied by the app (first, before Nest's middleware); nestjs-pino binds its logger.
      useFactory: (http: HttpLogger) => ({ pinoHttp: { logger: http.logger }, useExisting: true }),
    }),
  ],
  exports: [HttpLoggerModule],
})
export class LoggingModule {}
