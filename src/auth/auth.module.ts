import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CallerIdentity } from '../access/ports.js';
import { ApiKeyEntity, ApiKeySecretEntity, ApiKeyUsageEntity } from './api-key.entity.js';
import { ApiKeyLifecycleService } from './api-key-lifecycle.service.js';
import { ApiKeyService } from './api-key.service.js';
import { ApiKeyUsage } from './api-key-usage.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysController } from './api-keys.controller.js';
import { AuditModule } from '../audit/audit.module.js';

/**
 * API keys: who is calling (the access module's CallerIdentity), keys from the environment and
 * made at run time, their lifecycle. What a caller may do is the access module's.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([ApiKeyEntity, ApiKeySecretEntity, ApiKeyUsageEntity]),
    AuditModule,
  ],
  controllers: [ApiKeysController],
  providers: [
    ApiKeysRepository,
    ApiKeyService,
    ApiKeyUsage,
    ApiKeyLifecycleService,
    { provide: CallerIdentity, useExisting: ApiKeyService },
  ],
  exports: [ApiKeyService, ApiKeyLifecycleService, CallerIdentity],
})
export class AuthModule {}
