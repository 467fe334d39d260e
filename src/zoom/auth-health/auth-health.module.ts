import { Module } from '@nestjs/common';
import { ZoomApiModule } from '../api/zoom-api.module.js';
import { ZoomAuthModule } from '../token/zoom-auth.module.js';
import { AuthHealthReadModel } from './auth-health.read-model.js';
import { AuthResetService } from './auth-reset.service.js';
import { AuthValidationService } from './auth-validation.service.js';
import { DiagnosticsController } from './diagnostics.controller.js';
import { DiagnosticsService } from './diagnostics.service.js';
import { DoctorService } from './doctor.service.js';
import { ReplicaHeartbeatService } from './replica-heartbeat.service.js';
import { ValidationStore } from './validation-store.service.js';
import { ZoomAuthMetrics } from './zoom-auth.metrics.js';
import { ZoomProbeService } from './zoom-probe.service.js';
import { AuditModule } from '../../audit/audit.module.js';
import { MetricsModule } from '../../metrics/metrics.module.js';

/**
 * Watching Zoom auth without burning tokens: scheduled validation (one replica per interval),
 * the shared read model health uses, diagnostics for operators, and the doctor's probe.
 */
@Module({
  imports: [MetricsModule, AuditModule, ZoomAuthModule, ZoomApiModule],
  controllers: [DiagnosticsController],
  providers: [
    ValidationStore,
    AuthHealthReadModel,
    ZoomAuthMetrics,
    AuthValidationService,
    ReplicaHeartbeatService,
    DiagnosticsService,
    ZoomProbeService,
    DoctorService,
    AuthResetService,
  ],
  exports: [
    AuthHealthReadModel,
    AuthValidationService,
    DoctorService,
    DiagnosticsService,
    AuthResetService,
  ],
})
export class AuthHealthModule {}
