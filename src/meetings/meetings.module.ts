import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ZoomApiModule } from '../zoom/api/zoom-api.module.js';
import { ZoomCacheModule } from '../zoom/cache/zoom-cache.module.js';
import { FailedRecordsPruner } from './failed-records-pruner.js';
import { IdempotencyService } from './idempotency.service.js';
import { MeetingEntity } from './meeting.entity.js';
import { MeetingLifecycle } from './meeting-lifecycle.service.js';
import { MeetingRecordsController } from './meeting-records.controller.js';
import { MeetingRecordsService } from './meeting-records.service.js';
import { MeetingsRepository } from './meetings.repository.js';
import { MeetingsService } from './meetings.service.js';
import { RecordRepairs } from './record-repairs.js';
import { RepairJournal } from './repair-journal.js';
import { ActiveChecker } from './reconciliation/active-checker.js';
import { CreatingReconciler } from './reconciliation/creating-reconciler.js';
import { MeetingsReconciler } from './reconciliation/meetings-reconciler.js';
import { ReconcileController } from './reconciliation/reconcile.controller.js';
import { ZoomMeetingFinder } from './reconciliation/zoom-meeting-finder.js';
import { ZoomMeetingsController } from './zoom-meetings.controller.js';
import { VisibleMeetings } from './ownership/visible-meetings.js';
import { MetricsModule } from '../metrics/metrics.module.js';

/**
 * Zoom-compatible meetings API, the `meetings` records, idempotency, reconciliation and the
 * pruning of `failed` records.
 * Exports MeetingLifecycle for webhooks (markDeletedByZoom, applyZoomUpdate, adoptFromZoom).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([MeetingEntity]),
    MetricsModule,
    ZoomApiModule,
    ZoomCacheModule,
  ],
  controllers: [ZoomMeetingsController, MeetingRecordsController, ReconcileController],
  providers: [
    MeetingsRepository,
    VisibleMeetings,
    MeetingLifecycle,
    RecordRepairs,
    RepairJournal,
    IdempotencyService,
    MeetingsService,
    MeetingRecordsService,
    ZoomMeetingFinder,
    CreatingReconciler,
    ActiveChecker,
    MeetingsReconciler,
    FailedRecordsPruner,
  ],
  exports: [MeetingLifecycle, MeetingRecordsService],
})
export class MeetingsModule {}
