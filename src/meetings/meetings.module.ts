import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ZoomApiModule } from '../zoom/api/zoom-api.module.js';
import { MeetingEntity } from './meeting.entity.js';
import { MeetingRecordsController } from './meeting-records.controller.js';
import { MeetingRecordsService } from './meeting-records.service.js';
import { MeetingsReconcileController } from './meetings-reconcile.controller.js';
import { MeetingsReconciler } from './meetings.reconciler.js';
import { MeetingsService } from './meetings.service.js';
import { ZoomMeetingsController } from './zoom-meetings.controller.js';

/**
 * Zoom-compatible meetings API, the `meetings` records, idempotency and reconciliation.
 * Exports MeetingsService for webhooks (markDeletedByZoom, applyZoomUpdate) and the
 * scheduled reconciliation (reconcileCreating).
 */
@Module({
  imports: [TypeOrmModule.forFeature([MeetingEntity]), ZoomApiModule],
  controllers: [ZoomMeetingsController, MeetingRecordsController, MeetingsReconcileController],
  providers: [MeetingsService, MeetingRecordsService, MeetingsReconciler],
  exports: [MeetingsService, MeetingRecordsService],
})
export class MeetingsModule {}
