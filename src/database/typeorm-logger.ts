import { Logger as NestLogger } from '@nestjs/common';
import type { Logger } from 'typeorm';
import { loggableError, loggableText } from '../common/errors/loggable-error.js';

/** Long enough to recognise the statement, short enough for one log line. */
const QUERY_PREVIEW = 160;

function preview(query: string): string {
  const flat = query.replace(/\s+/g, ' ').trim();
  return flat.length > QUERY_PREVIEW ? `${flat.slice(0, QUERY_PREVIEW)}...` : flat;
}

/**
 * TypeORM's lines go through the application's logger (pino: redaction, LOG_LEVEL, JSON), and
 * never carry query parameters: they hold topics, hosts, key hashes. A failed query is logged
 * at debug only: the caller handles the error (a unique violation is an ordinary outcome) and
 * the HTTP layer logs what reaches a client. Every line is address-free: drivers' messages name
 * the server (`connect ECONNREFUSED 10.0.0.5:5432`, a pool error's connection string).
 */
export class TypeOrmLogger implements Logger {
  private readonly logger = new NestLogger('Database');

  logQuery(): void {
    // Every statement at info would drown the log; the metrics and slow-query warnings suffice.
  }

  logQueryError(error: string | Error, query: string): void {
    this.logger.debug(`Query failed: ${loggableError(error, 'database')} [${preview(query)}]`);
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn(`Slow query: ${time} ms [${preview(query)}]`);
  }

  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    const text =
      typeof message === 'string'
        ? loggableText(message, 'database')
        : loggableError(message, 'database');
    if (level === 'warn') this.logger.warn(text);
    else this.logger.debug(text);
  }
}
