import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CredentialsService } from './credentials.service.js';
import { CredentialsStore } from './credentials.store.js';
import { ZoomCredentialEventEntity } from './zoom-credential-event.entity.js';
import { ZoomCredentialEntity } from './zoom-credential.entity.js';

/** Versioned, encrypted Zoom credentials: the active one in memory on every replica, and the audit trail. */
@Module({
  imports: [TypeOrmModule.forFeature([ZoomCredentialEntity, ZoomCredentialEventEntity])],
  providers: [CredentialsStore, CredentialsService],
  exports: [CredentialsService, CredentialsStore],
})
export class CredentialsModule {}
