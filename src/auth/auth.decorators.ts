import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Caller } from './api-key.service.js';

export const IS_PUBLIC = 'zoom-gateway:public';
export const REQUIRES_ADMIN = 'zoom-gateway:admin';

/** No API key: health, metrics, webhooks (signed instead) and docs. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Only ADMIN_API_KEYS: rotation and diagnostics. */
export const AdminOnly = () => SetMetadata(REQUIRES_ADMIN, true);

export interface AuthenticatedRequest {
  caller?: Caller;
}

/** The authenticated caller, recorded as the author of what it does. */
export const CurrentCaller = createParamDecorator(
  (_: unknown, context: ExecutionContext): Caller => {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    return request.caller!;
  },
);
