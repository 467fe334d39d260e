import { Inject, Injectable, Module, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { type Store, storage } from 'nestjs-pino/storage.js';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
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

/** The process's pino options: level, JSON or pretty output, the replica, trace ids, and censoring. */
function loggerOptions(config: AppConfig): LoggerOptions {
  return {
    level: config.logLevel,
    transport: prettyTransport(),
    base: { replica: config.replicaId },
    // Credentials are censored in the finished line: any depth, bindings and errors included.
    hooks: { streamWrite: censorSecrets },
    // trace_id and span_id of the current span on each line, when traces are on.
    mixin: traceLogFields,
  };
}

/** Where log lines go instead of standard output (tests). */
export const LOG_DESTINATION = Symbol('LOG_DESTINATION');

/** Requests answered too often to log each one: probes and scrapes. */
const UNLOGGED_PATHS = new Set(['/health/live', '/metrics']);

/** What a request line says of the request. */
interface RequestFields {
  id: string;
  method: string;
  url: string;
}

/**
 * A request's logger for the lines services write while serving it (nestjs-pino reads
 * `logger` from the store): a child carrying the request, made only when a line is written, as
 * most requests write none but their own summary.
 */
class RequestLogStore implements Store {
  readonly responseLogger = undefined;
  private child: Logger | undefined;

  constructor(
    private readonly root: Logger,
    private readonly fields: RequestFields,
  ) {}

  get logger(): Logger {
    this.child ??= this.root.child({ req: this.fields });
    return this.child;
  }

  // nestjs-pino's PinoLogger.assign() replaces it with a child carrying more fields.
  set logger(logger: Logger) {
    this.child = logger;
  }
}

/**
 * The process's logger, and the request log: one line per answered request (its id, method,
 * path, status and time; `request errored` at error level for a 5xx, `request aborted` when the
 * caller left first), written when the answer ends. Applied first to every request Express
 * serves, and run by the fast paths, so both log the same line with the same request id, and a
 * service's lines during a request carry that request (nestjs-pino's store).
 *
 * Written here instead of pino-http, which made a child logger, three listeners and two arrays
 * for every request whether or not anything was logged with them (a tenth of a meeting read's
 * allocations, see README, Performance); this does what the gateway used of it.
 */
@Injectable()
export class HttpLogger {
  readonly logger: Logger;
  /** Express middleware form of `run`. */
  readonly middleware = (req: IncomingMessage, res: ServerResponse, next: () => void): void =>
    this.run(req, res, next);

  constructor(
    config: AppConfig,
    // Standard output unless a test gives another stream.
    @Optional() @Inject(LOG_DESTINATION) destination?: DestinationStream,
  ) {
    this.logger = pino(loggerOptions(config), destination);
  }

  /** Gives `req` its id, logs its answer when it ends, then runs `handler` with its logger current. */
  run(req: IncomingMessage, res: ServerResponse, handler: () => void): void {
    const fields: RequestFields = {
      id: requestIdFor(req, res),
      method: req.method ?? '',
      url: (req.url ?? '').split('?')[0] ?? '',
    };
    // The error filter names it as the correlation id of a 5xx answer.
    Object.assign(req, { id: fields.id });
    if (!UNLOGGED_PATHS.has(fields.url)) {
      const started = Date.now();
      res.once('close', () => this.logAnswer(res, fields, Date.now() - started));
    }
    storage.run(new RequestLogStore(this.logger, fields), handler);
  }

  private logAnswer(res: ServerResponse, req: RequestFields, responseTime: number): void {
    const line = { req, res: { statusCode: res.statusCode }, responseTime };
    if (!res.writableFinished) this.logger.info(line, 'request aborted');
    else if (res.statusCode >= 500) this.logger.error(line, 'request errored');
    else this.logger.info(line, 'request completed');
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
      // HttpLogger is applied by the app (first, before Nest's middleware) and binds each
      // request's logger itself: nestjs-pino's own middleware is applied to no route.
      useFactory: (http: HttpLogger) => ({
        pinoHttp: { logger: http.logger },
        useExisting: true,
        forRoutes: [],
      }),
    }),
  ],
  exports: [HttpLoggerModule],
})
export class LoggingModule {}
