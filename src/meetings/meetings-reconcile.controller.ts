import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/auth.decorators.js';
import { MeetingsReconciler, type ReconciliationReport } from './meetings.reconciler.js';

/** Runs the scheduled reconciliation now, for operators and tests. */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('api/admin')
export class MeetingsReconcileController {
  constructor(private readonly reconciler: MeetingsReconciler) {}

  @Post('reconcile')
  @AdminOnly()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Admin: run reconciliation now (creating records, then a batch of active ones checked against Zoom); answers what changed',
  })
  reconcile(): Promise<ReconciliationReport> {
    return this.reconciler.runNow();
  }
}
