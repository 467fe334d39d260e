import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { AuthenticatedCaller } from './caller.js';
import type { CallKind } from '../config/grants.js';

export const IS_PUBLIC = 'zoom-gateway:public';
export const REQUIRES_ADMIN = 'zoom-gateway:admin';
export const REQUIRES_GRANT = 'zoom-gateway:grant';
export const ZOOM_GRANT = 'zoom-gateway:zoom-grant';
export const ZOOM_CALL = 'zoom-gateway:zoom-call';

/** No API key: health, metrics, webhooks (signed instead) and docs. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Only admin keys (ADMIN_API_KEYS, or made with the `admin` grant): rotation, diagnostics, keys, audit. */
export const AdminOnly = () => SetMetadata(REQUIRES_ADMIN, true);

export interface RequiredGrant {
  area: string;
  kind: CallKind;
}

/** The grant a gateway route needs (e.g. the records API: meetings, read). */
export const RequireGrant = (area: string, kind: CallKind) =>
  SetMetadata(REQUIRES_GRANT, { area, kind } satisfies RequiredGrant);

/** A Zoom-shaped `/v2` route: the grant follows from its method and path, as for the pass-through. */
export const ZoomGrant = () => SetMetadata(ZOOM_GRANT, true);

/** Any `/v2` call carried to Zoom as it is: its grant by method and path, and a meeting it names must be the caller's. */
export const ZoomCall = () => SetMetadata(ZOOM_CALL, true);

export interface AuthenticatedRequest {
  caller?: AuthenticatedCaller;
}

/** The authenticated caller, recorded as the author of what it does. */
export const CurrentCaller = createParamDecorator(
  (_: unknown, context: ExecutionContext): AuthenticatedCaller => {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    return request.caller!;
  },
);
