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

/** The request id a caller sent (`X-Request-Id`, when it is a sane token) or a new one. */
export function requestIdOf(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  return typeof header === 'string' && /^[\w.-]{1,64}$/.test(header) ? header : randomUUID();
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
 * caller left first), written when the answer ends. Begun first for every request (the HTTP
 * pipeline's first hook), and a service's lines during a request carry that request
 * (nestjs-pino's store).
 *
 * Written here instead of pino-http, which made a child logger, three listeners and two arrays
 * for every request whether or not anything was logged with them (a tenth of a meeting read's
 * allocations, see README, Performance); this does what the gateway used of it.
 */
@Injectable()
export class HttpLogger {
  readonly logger: Logger;

  constructor(
    config: AppConfig,
    // Standard output unless a test gives another stream.
    @Optional() @Inject(LOG_DESTINATION) destination?: DestinationStream,
  ) {
    this.logger = pino(loggerOptions(config), destination);
  }

  /**
   * Starts `req`'s log under `id` (echoed as `X-Request-Id`): its line is written when the
   * answer ends. Returns the store that makes its logger current (`within`).
   */
  begin(req: IncomingMessage, res: ServerResponse, id: string): Store {
    const fields: RequestFields = {
      id,
      method: req.method ?? '',
      url: (req.url ?? '').split('?')[0] ?? '',
    };
    res.setHeader('x-request-id', id);
    if (!UNLOGGED_PATHS.has(fields.url)) {
      const started = Date.now();
      res.once('close', () => this.logAnswer(res, fields, Date.now() - started));
    }
    return new RequestLogStore(this.logger, fields);
  }

  /** Runs `handler` with the request's logger current, for every line written while it serves. */
  within(store: Store, handler: () => void): void {
    storage.run(store, handler);
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
