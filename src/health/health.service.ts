import { Injectable } from '@nestjs/common';
import { HealthCheckService } from '@nestjs/terminus';
import { DatabaseHealthIndicator } from './database.health.js';
import { RedisHealthIndicator } from './redis.health.js';
import { ShutdownDrain } from './shutdown-drain.js';
import { ZoomHealthIndicator } from './zoom.health.js';

/**
 * What "ready" means. Down (503): the database does not answer `SELECT 1` within 2 s, or Zoom
 * auth is `rejected` or `invalid_credentials`. Degraded (200, status `degraded`): Redis
 * configured but unreachable or its breaker open (the replica coordinates in-process meanwhile),
 * Zoom auth `degraded` or `unreachable`, or this replica's ZOOM_CLIENT_SECRET refused. Each
 * dependency says in words what is wrong under its own key; none prints a host, port or URL.
 * Nothing here mints a token or calls Zoom. From SIGTERM on (ShutdownDrain) ready is down with
 * no I/O, while live stays up: the replica is leaving, not broken.
 */
@Injectable()
export class HealthService {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly zoom: ZoomHealthIndicator,
    private readonly drain: ShutdownDrain,
  ) {}

  live() {
    return this.health.check([]);
  }

  ready() {
    if (this.drain.draining) return this.health.check([() => this.drain.check('shutdown')]);
    return this.health.check([
      () => this.database.check('database'),
      ...(this.redis.configured ? [() => this.redis.check('redis')] : []),
      () => this.zoom.check('zoom'),
    ]);
  }
}
