import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { nodeErrorCode } from '../common/errors/node-error-code.js';

export const DATABASE_TIMEOUT_MS = 2_000;

/** Why the database did not answer, without a host, port, user or connection string. */
function whyDown(error: unknown): string {
  if (error instanceof DatabaseTimeout) return `no answer to SELECT 1 within ${error.ms} ms`;
  const code = nodeErrorCode(error);
  // Driver codes (ECONNREFUSED, 57P01, 28P01, SQLITE_CANTOPEN) name the failure, never the server.
  return code ? `SELECT 1 failed (${code})` : 'SELECT 1 failed';
}

class DatabaseTimeout extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/**
 * The database (DATABASE_URL): `SELECT 1` within a deadline. Down makes the replica unready
 * (503): requests that need it answer 503 database_unavailable meanwhile. The details say what
 * failed in words and never print the host, port or connection string (terminus' own
 * TypeOrmHealthIndicator copies the driver's message, which does).
 */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly dataSource: DataSource,
  ) {}

  /** Resolves true when the database answers `SELECT 1` within `timeoutMs`; never throws. */
  async ping(timeoutMs = DATABASE_TIMEOUT_MS): Promise<{ up: true } | { up: false; why: string }> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.dataSource.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new DatabaseTimeout(timeoutMs)), timeoutMs);
        }),
      ]);
      return { up: true };
    } catch (error) {
      return { up: false, why: whyDown(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  async check(key = 'database') {
    const indicator = this.indicators.check(key);
    const type = this.dataSource.options.type;
    const result = await this.ping();
    if (result.up) return indicator.up({ type });
    return indicator.down({
      type,
      message: `The database (DATABASE_URL) is down: ${result.why}. Requests that need it answer 503 database_unavailable.`,
    });
  }
}
