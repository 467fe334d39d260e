import { Controller, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audited } from '../../audit/audited.js';
import { AuditAction } from '../../audit/audit.service.js';
import { AdminOnly } from '../../access/access.decorators.js';
import { ParseWith, parseReconcileQuery } from '../dto/meetings.validation.js';
import type { ReconcileResult } from './creating-reconciler.js';
import { MeetingsReconciler, type ReconciliationReport } from './meetings-reconciler.js';

/**
 * Two admin routes, one job: both run MeetingsReconciler under its fleet-wide lease, so a
 * manual run never overlaps a scheduled one on any replica. `/api/admin/reconcile` is the
 * whole run; `/api/admin/meetings/reconcile` is the same run limited to records left
 * `creating` (kept for the operators and scripts that use it; it answers that part's counts).
 */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('api/admin')
export class ReconcileController {
  constructor(private readonly reconciler: MeetingsReconciler) {}

  @Post('reconcile')
  @AdminOnly()
  @Audited(AuditAction.ReconciliationRun)
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Admin: run reconciliation now (creating records, then a batch of active ones checked against Zoom); answers what changed',
  })
  reconcile(): Promise<ReconciliationReport> {
    return this.reconciler.runNow();
  }

  @Post('meetings/reconcile')
  @AdminOnly()
  @Audited(AuditAction.ReconciliationRun)
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Admin: the same run, limited to records left `creating` (older than olderThanSeconds, default 120)',
  })
  reconcileCreating(
    @Query(new ParseWith(parseReconcileQuery)) query: { olderThanMs: number },
  ): Promise<ReconcileResult> {
    return this.reconciler.runCreatingNow(query.olderThanMs);
  }
}
