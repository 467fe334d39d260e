import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditController } from './audit.controller.js';
import { AuditEventEntity } from './audit-event.entity.js';
import { AuditRepository } from './audit.repository.js';
import { AuditService } from './audit.service.js';
import { AuditInterceptor } from './audited.js';

/**
 * The audit trail of admin actions. Imported by the modules that record into it (auth's key
 * lifecycle, credentials rotation, the back-off reset, lifting a daily-limit block); a route
 * marked `@Audited` needs only its interceptor, registered app-wide here.
 */
@Module({
  imports: [TypeOrmModule.forFeature([AuditEventEntity])],
  controllers: [AuditController],
  providers: [
    AuditRepository,
    AuditService,
    { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
  ],
  exports: [AuditService],
})
export class AuditModule {}
