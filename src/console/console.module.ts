import { Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SessionIdentity } from '../access/ports.js';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { JobsService } from '../coordination/jobs.service.js';
import { ConsoleAuthController } from './console-auth.controller.js';
import { ConsoleOidcService } from './console-oidc.service.js';
import { ConsolePagesController } from './console-pages.controller.js';
import { ConsoleSessionEntity } from './console-session.entity.js';
import { ConsoleSessionsRepository } from './console-sessions.repository.js';
import { ConsoleSessionsService } from './console-sessions.service.js';
import { FleetMinuteCounterEntity } from './fleet-minute-counter.entity.js';
import { FleetMinutesController } from './fleet-minutes.controller.js';
import { FleetMinutesRepository } from './fleet-minutes.repository.js';
import { FleetMinutesService } from './fleet-minutes.service.js';
import { MetricsModule } from '../metrics/metrics.module.js';

/**
 * The operator console: its page and assets, sign-in (admin key or OpenID Connect), and the
 * fleet's sessions, which the access module's guard maps to callers (SessionIdentity); the
 * fleet's per-minute counters for its charts. Its
 * pages call the existing admin API with the session cookie: the console can do nothing that API
 * cannot.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([ConsoleSessionEntity, FleetMinuteCounterEntity]),
    AuditModule,
    AuthModule,
    MetricsModule,
  ],
  controllers: [ConsolePagesController, ConsoleAuthController, FleetMinutesController],
  providers: [
    ConsoleSessionsRepository,
    ConsoleSessionsService,
    ConsoleOidcService,
    FleetMinutesRepository,
    FleetMinutesService,
    { provide: SessionIdentity, useExisting: ConsoleSessionsService },
  ],
  exports: [SessionIdentity],
})
export class ConsoleModule implements OnModuleInit {
  constructor(
    private readonly jobs: JobsService,
    private readonly sessions: ConsoleSessionsService,
  ) {}

  onModuleInit(): void {
    this.jobs.fleetEvery('console.sessions.prune', 3_600_000, () => this.sessions.prune());
  }
}
