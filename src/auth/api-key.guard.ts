import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DomainError, ErrorCode } from '../common/errors/index.js';
import { ApiKeyService } from './api-key.service.js';
import { type AuthenticatedRequest, IS_PUBLIC, REQUIRES_ADMIN } from './auth.decorators.js';

/** `Authorization: Bearer <api key>` on every route not marked @Public(); admin routes need an admin key. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeyService,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      throw new DomainError(
        ErrorCode.Unauthorized,
        'Missing API key: send Authorization: Bearer <api key>.',
      );
    }
    const caller = this.apiKeys.authenticate(match[1] ?? '');
    if (!caller) throw new DomainError(ErrorCode.Unauthorized, 'Invalid API key.');
    request.caller = caller;
    if (this.reflector.getAllAndOverride<boolean>(REQUIRES_ADMIN, targets) && !caller.admin) {
      throw new DomainError(
        ErrorCode.Forbidden,
        'This route needs an admin API key (ADMIN_API_KEYS).',
      );
    }
    return true;
  }
}
