import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AccessPolicy } from '../meetings/ownership/access-policy.service.js';
import type { AuthenticatedRequest } from '../access/access.decorators.js';
import { DomainError, ErrorCode } from '../common/errors/index.js';
import { requestZoomPath } from '../common/zoom-path.js';

/**
 * Grants and meeting ownership for everything the pass-through carries, decided from the
 * method and path before a byte goes to Zoom: `/v2/meetings/{id}/...`, `/v2/past_meetings/{id}/...`
 * and the other paths that name a meeting (see zoom-areas.ts) answer 404/3001 for another app's
 * meeting; a call outside the key's areas answers 403 grant_missing.
 */
@Injectable()
export class PassThroughAccessGuard implements CanActivate {
  constructor(private readonly access: AccessPolicy) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>();
    if (!request.caller) throw new DomainError(ErrorCode.Unauthorized, 'Missing API key.');
    await this.access.assertZoomCall(request.caller, request.method, requestZoomPath(request).path);
    return true;
  }
}
