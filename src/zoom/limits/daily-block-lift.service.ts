import { Injectable, Logger } from '@nestjs/common';
import { AuditAction, AuditService } from '../../audit/audit.service.js';
import { DomainError } from '../../common/errors/index.js';
import { errorMessage } from '../../common/errors/error-message.js';
import { DailyBlocks } from '../api/daily-blocks.js';
import { DailyLimits } from '../api/daily-limits.js';
import { blockEnd, parseBlockScope } from './block-scope.js';

/**
 * An operator lifts a daily-limit block before it ends (`DELETE
 * /api/admin/zoom/limits/blocks/{scope}`, `npm run cli -- limits lift <scope>`): every replica
 * calls Zoom for that scope again, and today's count of it starts over. Audited either way, since
 * the count is cleared even when no block was in force.
 */
@Injectable()
export class DailyBlockLiftService {
  private readonly logger = new Logger('ZoomLimits');

  constructor(
    private readonly daily: DailyLimits,
    private readonly blocks: DailyBlocks,
    private readonly audit: AuditService,
  ) {}

  /** Lifts the block on `scope`; a 404 `not_found` when none was in force (its count is still cleared). */
  async lift(actor: string, rawScope: string): Promise<void> {
    const scope = parseBlockScope(rawScope);
    const block = this.blocks.list().find((b) => b.scope === scope);
    const lifted = await this.daily.lift(scope);
    this.logger.warn(
      `${actor} lifted Zoom's daily-limit block on ${scope}${lifted ? '' : ' (none was in force)'}; today's count of it is cleared`,
    );
    // The audit row is the record; a database that is down must not undo the lift itself.
    await this.audit
      .record({
        actor,
        action: AuditAction.ZoomDailyLimitBlockLifted,
        target: scope,
        details: {
          scope,
          lifted,
          until: block ? blockEnd(block.until) : null,
          reason: block?.reason ?? null,
        },
      })
      .catch((error: unknown) =>
        this.logger.warn(`Lift of ${scope} by ${actor} not audited: ${errorMessage(error)}`),
      );
    if (!lifted)
      throw DomainError.notFound(
        `No daily-limit block was in force on ${scope}; today's count of it was cleared all the same.`,
      );
  }
}
