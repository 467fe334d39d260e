import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AppConfig } from '../config/app-config.js';
import { EncryptionService } from './crypto/encryption.service.js';
import { AllExceptionsFilter } from './errors/all-exceptions.filter.js';
import { ShutdownSignal } from './shutdown-signal.js';
import { createValidationPipe } from './validation.js';

/** Cross-cutting providers; the global filter and pipe are APP_* providers so tests get them too. */
@Global()
@Module({
  providers: [
    ShutdownSignal,
    AllExceptionsFilter,
    { provide: APP_FILTER, useExisting: AllExceptionsFilter },
    { provide: APP_PIPE, useFactory: createValidationPipe },
    {
      provide: EncryptionService,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        if (!config.encryptionKey)
          throw new Error('ENCRYPTION_KEY was not provisioned before start-up');
        return new EncryptionService(config.encryptionKey);
      },
    },
  ],
  exports: [EncryptionService, ShutdownSignal, AllExceptionsFilter],
})
export class CommonModule {}
