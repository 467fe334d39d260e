import { Module } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config.js';
import { traceLogFields } from '../tracing/log-fields.js';

/** Paths whose values are credentials: pino replaces them before a line is written. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-zm-signature"]',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  '*.clientSecret',
  '*.client_secret',
  '*.secret',
  '*.accessToken',
  '*.access_token',
  '*.token',
  '*.key',
  '*.password',
];

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

@Module({
  imports: [
    LoggerModule.forRootAsync({
      imports: [],
      providers: [],
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          level: config.logLevel,
          transport: prettyTransport(),
          base: { replica: config.replicaId },
          redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
          // trace_id and span_id of the current span on each line, when traces are on.
          mixin: traceLogFields,
          genReqId: (req: IncomingMessage, res: ServerResponse) => {
            const header = req.headers['x-request-id'];
            const id =
              typeof header === 'string' && /^[\w.-]{1,64}$/.test(header) ? header : randomUUID();
            res.setHeader('x-request-id', id);
            return id;
          },
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
        },
      }),
    }),
  ],
})
export class LoggingModule {}
