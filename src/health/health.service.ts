import { Injectable } from '@nestjs/common';
import { HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { RedisHealthIndicator } from './redis.health.js';
import { ZoomHealthIndicator } from './zoom.health.js';

const DATABASE_TIMEOUT_MS = 2_000;

/**
 * What "ready" means. Down (503): the database does not answer `SELECT 1` within 2 s, or Zoom
 * auth is `rejected` or `invalid_credentials`. Degraded (200, status `degraded`): Redis
 * configured but unreachable (the replica coordinates in-process meanwhile), Zoom auth
 * `degraded` or `unreachable`. Nothing here mints a token or calls Zoom.
 */
@Injectable()
export class HealthService {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly zoom: ZoomHealthIndicator,
  ) {}

  live() {
    return this.health.check([]);
  }

  ready() {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: DATABASE_TIMEOUT_MS }),
      ...(this.redis.configured ? [() => this.redis.check('redis')] : []),
      () => this.zoom.check('zoom'),
    ]);
  }
}
