import { type DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AdmissionModule } from './admission/admission.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AccessModule } from './access/access.module.js';
import { AuthModule } from './auth/auth.module.js';
import { MeetingOwnershipModule } from './meetings/ownership/meeting-ownership.module.js';
import { CommonModule } from './common/common.module.js';
import { ConsoleModule } from './console/console.module.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { CoordinationModule } from './coordination/coordination.module.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { ZoomApiModule } from './zoom/api/zoom-api.module.js';
import { ZoomAuthModule } from './zoom/token/zoom-auth.module.js';
import { RotationModule } from './zoom/rotation/rotation.module.js';
import { ZoomLimitsModule } from './zoom/limits/zoom-limits.module.js';
import { MeetingsModule } from './meetings/meetings.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';
import { ZoomPassThroughModule } from './pass-through/pass-through.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        MetricsModule,
        CommonModule,
        DatabaseModule,
        CoordinationModule,
        ScheduleModule.forRoot(),
        AuditModule,
        AuthModule,
        // Who may do what, and the one guard; its ports from auth/ (keys), console/ (sessions) and meetings/ (owners).
        AccessModule.forRoot({ imports: [AuthModule, ConsoleModule, MeetingOwnershipModule] }),
        HealthModule,
        ZoomAuthModule,
        ZoomApiModule,
        RotationModule,
        ZoomLimitsModule,
        MeetingsModule,
        WebhooksModule,
        AdmissionModule,
        ZoomPassThroughModule,
      ],
    };
  }
}
