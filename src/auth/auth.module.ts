import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MeetingEntity } from '../meetings/meeting.entity.js';
import { AccessPolicy } from '../meetings/ownership/access-policy.service.js';
import { ApiKeyEntity, ApiKeySecretEntity, ApiKeyUsageEntity } from './api-key.entity.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { ApiKeyLifecycleService } from './api-key-lifecycle.service.js';
import { ApiKeyService } from './api-key.service.js';
import { ApiKeyUsage } from './api-key-usage.js';
import { ApiKeysController } from './api-keys.controller.js';
import { MeetingOwnershipStore } from '../meetings/ownership/meeting-ownership.store.js';

/** API keys (grants, lifecycle, fleet-wide), meeting ownership and the guard. Global: every route is guarded. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([ApiKeyEntity, ApiKeySecretEntity, ApiKeyUsageEntity, MeetingEntity]),
  ],
  controllers: [ApiKeysController],
  providers: [
    ApiKeyService,
    ApiKeyUsage,
    ApiKeyLifecycleService,
    MeetingOwnershipStore,
    AccessPolicy,
    ApiKeyGuard,
    { provide: APP_GUARD, useExisting: ApiKeyGuard },
  ],
  exports: [ApiKeyService, ApiKeyLifecycleService, AccessPolicy, ApiKeyGuard],
})
export class AuthModule {}
