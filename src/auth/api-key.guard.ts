import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { DomainError, ErrorCode } from '../common/errors/index.js';
import { requestZoomPath } from '../common/zoom-path.js';
import { AccessPolicy } from '../meetings/ownership/access-policy.service.js';
import { ApiKeyService } from './api-key.service.js';
import {
  type AuthenticatedRequest,
  IS_PUBLIC,
  REQUIRES_ADMIN,
  REQUIRES_GRANT,
  type RequiredGrant,
  ZOOM_GRANT,
} from '../access/access.decorators.js';

/**
 * `Authorization: Bearer <api key>` on every route not marked @Public(): a known key, neither
 * revoked, expired nor rotated out; admin routes need an admin key; routes that name a grant
 * (or Zoom-shaped ones, by their path) need it. Ownership of a meeting is checked later, once
 * the route has validated its input (see AccessPolicy).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeyService,
    private readonly access: AccessPolicy,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>();
    // Admission identified it already when the request has a body or is a /v2 call.
    const caller = request.caller ?? (await this.apiKeys.callerFor(request.headers.authorization));
    request.caller = caller;
    if (this.reflector.getAllAndOverride<boolean>(REQUIRES_ADMIN, targets) && !caller.admin) {
      throw new DomainError(
        ErrorCode.Forbidden,
        'This route needs an admin API key (ADMIN_API_KEYS, or a key with the admin grant).',
      );
    }
    const grant = this.reflector.getAllAndOverride<RequiredGrant | undefined>(
      REQUIRES_GRANT,
      targets,
    );
    if (grant) this.access.assertGrant(caller, grant.area, grant.kind);
    if (this.reflector.getAllAndOverride<boolean>(ZOOM_GRANT, targets))
      this.access.assertZoomGrant(caller, request.method, requestZoomPath(request).path);
    return true;
  }
}
