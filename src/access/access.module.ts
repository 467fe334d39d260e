import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessGuard } from './access.guard.js';
import { AccessPolicy } from './access-policy.service.js';
import { RequestCallers } from './request-callers.js';

/**
 * Who may do what: callers, grants, areas and meeting ownership, and the one guard on every
 * route. Its ports (CallerIdentity from auth/, SessionIdentity from console/, MeetingOwnership
 * from meetings/) come from the
 * modules the application gives it, so access/ depends on neither feature. Global: every
 * feature's routes are guarded, and the meetings routes ask it about ownership.
 */
@Module({})
export class AccessModule {
  static forRoot(ports: { imports: NonNullable<ModuleMetadata['imports']> }): DynamicModule {
    return {
      module: AccessModule,
      global: true,
      imports: ports.imports,
      providers: [
        AccessPolicy,
        RequestCallers,
        AccessGuard,
        { provide: APP_GUARD, useExisting: AccessGuard },
      ],
      exports: [AccessPolicy, RequestCallers],
    };
  }
}
