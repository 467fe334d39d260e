import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { from, type Observable, switchMap } from 'rxjs';
import type { AuthenticatedRequest } from '../access/access.decorators.js';
import { type AuditAction, AuditService } from './audit.service.js';

export const AUDITED = 'zoom-gateway:audited';

/** Records the route's successful answers in the audit trail as `action` by the caller. */
export const Audited = (action: AuditAction) => SetMetadata(AUDITED, action);

/** Details larger than this are left out of the row (the action and its author still are recorded). */
const MAX_DETAILS_CHARS = 4_000;

/** For routes marked @Audited(): after the handler succeeds, one audit row with what it answered. */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const action = this.reflector.get<AuditAction | undefined>(AUDITED, context.getHandler());
    if (action === undefined) return next.handle();
    const request = context.switchToHttp().getRequest<AuthenticatedRequest & { url: string }>();
    return next.handle().pipe(
      switchMap((answer: unknown) =>
        from(
          this.audit
            .record({
              actor: request.caller?.name ?? 'unknown',
              action,
              target: request.url.split('?', 1)[0] ?? '',
              details: detailsOf(answer),
            })
            .then(() => answer),
        ),
      ),
    );
  }
}

function detailsOf(answer: unknown): Record<string, unknown> | undefined {
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return undefined;
  return JSON.stringify(answer).length <= MAX_DETAILS_CHARS ? { answer } : undefined;
}
