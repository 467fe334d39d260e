import { Module } from '@nestjs/common';
import { ZoomApiModule } from '../api/zoom-api.module.js';
import { DailyBlockLiftService } from './daily-block-lift.service.js';
import { ZoomLimitsController } from './zoom-limits.controller.js';
import { ZoomLimitsReportService } from './zoom-limits-report.service.js';
import { AuditModule } from '../../audit/audit.module.js';

/**
 * Operators see Zoom's limits as the gateway applies them and lift daily-limit blocks
 * (`/api/admin/zoom/limits`, `npm run cli -- limits`). The counting itself lives in zoom/api.
 */
@Module({
  imports: [AuditModule, ZoomApiModule],
  controllers: [ZoomLimitsController],
  providers: [ZoomLimitsReportService, DailyBlockLiftService],
  exports: [ZoomLimitsReportService, DailyBlockLiftService],
})
export class ZoomLimitsModule {}
