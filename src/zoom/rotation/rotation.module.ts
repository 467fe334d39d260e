import { Module } from '@nestjs/common';
import { ZoomApiModule } from '../api/zoom-api.module.js';
import { ZoomAuthModule } from '../token/zoom-auth.module.js';
import { CredentialRotationService } from './credential-rotation.service.js';
import { CredentialsController } from './credentials.controller.js';
import { EnvironmentCredentialsAdopter } from './environment-credentials.adopter.js';
import { SecretRotationJob } from './secret-rotation.job.js';
import { AuditModule } from '../../audit/audit.module.js';

/**
 * Rotation on top of the credentials store: the admin route, the CLI's service and the
 * automated job. Separate from CredentialsModule because it needs the Zoom API client, which
 * itself depends on the token service that depends on the credentials. Environment credentials
 * that differ from the stored ones are adopted here too: they need a validation mint.
 */
@Module({
  imports: [AuditModule, ZoomAuthModule, ZoomApiModule],
  providers: [CredentialRotationService, SecretRotationJob, EnvironmentCredentialsAdopter],
  controllers: [CredentialsController],
  exports: [CredentialRotationService, SecretRotationJob],
})
export class RotationModule {}
