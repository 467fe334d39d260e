import { Injectable, Logger } from '@nestjs/common';
import { AuditAction, AuditService } from '../../audit/audit.service.js';
import { errorMessage } from '../../common/errors/error-message.js';
import type { ZoomAuthSnapshot } from '../token/auth-state.js';
import { ZoomAuthStateService } from '../token/zoom-auth-state.service.js';

/**
 * The operator's way out of a back-off (`POST /api/admin/zoom/auth/reset`, `npm run doctor --
 * --reset-backoff`): the fleet's auth state goes back to `ok`, so every replica may mint at once.
 * Recorded in the audit trail (GET /api/admin/audit) with who did it and what was cleared.
 */
@Injectable()
export class AuthResetService {
  private readonly logger = new Logger('ZoomAuthReset');

  constructor(
    private readonly state: ZoomAuthStateService,
    private readonly audit: AuditService,
  ) {}

  async reset(actor: string): Promise<{ cleared: ZoomAuthSnapshot; now: ZoomAuthSnapshot }> {
    const cleared = this.state.snapshot();
    const now = await this.state.clearBackoff(actor);
    const what =
      cleared.state === 'ok'
        ? 'nothing to clear (state ok)'
        : `cleared ${cleared.state}${cleared.retryAt ? ` (next attempt was due ${new Date(cleared.retryAt).toISOString()})` : ''}: ${cleared.reason}`;
    // The audit row is the record; a database that is down must not undo the reset itself.
    await this.audit
      .record({
        actor,
        action: AuditAction.ZoomAuthBackoffReset,
        target: 'zoom-auth',
        details: {
          cleared: cleared.state,
          retryAt: cleared.retryAt === null ? null : new Date(cleared.retryAt).toISOString(),
          credentialVersion: cleared.credentialVersion,
          what,
        },
      })
      .catch((error: unknown) =>
        this.logger.warn(`Back-off reset by ${actor} not audited: ${errorMessage(error)}`),
      );
    return { cleared, now };
  }
}
