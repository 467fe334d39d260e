import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { DomainError, ErrorCode } from '../common/errors/index.js';
import { requestZoomPath } from '../common/zoom-path.js';
import {
  type AuthenticatedRequest,
  IS_PUBLIC,
  REQUIRES_ADMIN,
  REQUIRES_GRANT,
  type RequiredGrant,
  ZOOM_CALL,
  ZOOM_GRANT,
} from './access.decorators.js';
import { AccessPolicy } from './access-policy.service.js';
import { RequestCallers } from './request-callers.js';

/** Methods that only look: a look-only console user may use these and no other. */
const LOOKING = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The one access check, for every route not marked @Public(): the caller (`Authorization:
 * Bearer <api key>`, a known key neither revoked, expired nor rotated out; or a console session,
 * whose look-only users are refused every write); admin routes need an
 * admin key; routes that name a grant need it; Zoom-shaped `/v2` routes need the grant their
 * method and path belong to, and the pass-through (@ZoomCall) also a meeting's ownership, before
 * a byte goes to Zoom. The meetings routes check ownership once their input is valid
 * (AccessPolicy.ownMeeting).
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly callers: RequestCallers,
    private readonly access: AccessPolicy,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>();
    // Admission identified it already when the request has a body or is a /v2 call.
    const caller = request.caller ?? (await this.callers.callerOf(request));
    request.caller = caller;
    if (caller.lookOnly && !LOOKING.has(request.method))
      throw new DomainError(
        ErrorCode.Forbidden,
        'This console user may only look: CONSOLE_OIDC_ADMINS names who may act.',
      );
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
    if (this.reflector.getAllAndOverride<boolean>(ZOOM_CALL, targets))
      await this.access.assertZoomCall(caller, request.method, requestZoomPath(request).path);
    else if (this.reflector.getAllAndOverride<boolean>(ZOOM_GRANT, targets))
      this.access.assertZoomGrant(caller, request.method, requestZoomPath(request).path);
    return true;
  }
}
