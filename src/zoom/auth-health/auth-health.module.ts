import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { ZoomApiModule } from '../api/zoom-api.module.js';
import { ZoomAuthModule } from '../token/zoom-auth.module.js';
import { AuthValidationService } from './auth-validation.service.js';
import { DiagnosticsController } from './diagnostics.controller.js';
import { DiagnosticsService } from './diagnostics.service.js';
import { DoctorService } from './doctor.service.js';
import { MintLedgerReader } from './mint-ledger.reader.js';
import { ReplicaHeartbeatService } from './replica-heartbeat.service.js';
import { ValidationStore } from './validation-store.service.js';
import { ZoomAuthMetrics } from './zoom-auth.metrics.js';
import { ZoomAuthStatusService } from './zoom-auth-status.service.js';
import { ZoomProbeService } from './zoom-probe.service.js';

/**
 * Watching Zoom auth without burning tokens: scheduled validation (one replica per interval),
 * the shared read model health uses, diagnostics for operators, and the doctor's probe.
 */
@Module({
  imports: [HttpModule.register({ maxRedirects: 0 }), ZoomAuthModule, ZoomApiModule],
  controllers: [DiagnosticsController],
  providers: [
    ValidationStore,
    ZoomAuthStatusService,
    ZoomAuthMetrics,
    AuthValidationService,
    ReplicaHeartbeatService,
    MintLedgerReader,
    DiagnosticsService,
    ZoomProbeService,
    DoctorService,
  ],
  exports: [ZoomAuthStatusService, AuthValidationService, DoctorService, DiagnosticsService],
})
export class AuthHealthModule {}
