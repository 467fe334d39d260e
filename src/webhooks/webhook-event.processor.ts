import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { ZoomReadCache } from '../zoom/cache/zoom-read-cache.js';
import { MEETING_RECORDS, type MeetingRecordsPort } from './meeting-records.port.js';
import {
  meetingObjectOf,
  oneOccurrenceOnly,
  updateFieldsOf,
  type ZoomWebhookEvent,
} from './zoom-webhook-event.js';

export interface ProcessingResult {
  outcome: 'processed' | 'ignored';
  detail?: string;
}

/** Applies one verified, first-seen Zoom event to the meeting records. */
@Injectable()
export class WebhookEventProcessor {
  private readonly logger = new Logger('Webhooks');

  constructor(
    private readonly config: AppConfig,
    @Inject(MEETING_RECORDS) private readonly records: MeetingRecordsPort,
    private readonly cache: ZoomReadCache,
  ) {}

  async process(event: ZoomWebhookEvent): Promise<ProcessingResult> {
    if (!event.event.startsWith('meeting.'))
      return { outcome: 'ignored', detail: 'event type not handled' };
    const meeting = meetingObjectOf(event);
    if (!meeting) return { outcome: 'ignored', detail: 'no meeting id in payload.object' };
    // Whatever Zoom says changed, a cached copy of the meeting (any occurrence) is now stale.
    if (event.event !== 'meeting.created') await this.cache.invalidateMeeting(meeting.id);
    // One occurrence of a recurring meeting deleted or changed: the series and its record live on.
    if (oneOccurrenceOnly(event))
      return { outcome: 'ignored', detail: 'one occurrence only; the meeting record stays' };
    switch (event.event) {
      case 'meeting.deleted': {
        const operator =
          typeof event.payload.operator === 'string' ? ` by ${event.payload.operator}` : '';
        const changed = await this.records.markDeletedByZoom(
          meeting.id,
          `deleted in Zoom${operator} (webhook)`,
          event.event_ts,
        );
        return this.result(event, meeting.id, changed, 'unknown meeting or already deleted');
      }
      case 'meeting.updated': {
        const fields = updateFieldsOf(event.payload.object);
        if (Object.keys(fields).length === 0)
          return { outcome: 'ignored', detail: 'no field the record keeps changed' };
        const changed = await this.records.applyZoomUpdate(meeting.id, fields, event.event_ts);
        return this.result(
          event,
          meeting.id,
          changed,
          'unknown or deleted meeting, or newer events already set every field it carries',
        );
      }
      case 'meeting.created': {
        if (!this.config.webhookAdoptCreated) return { outcome: 'ignored', detail: 'adoption off' };
        const adopted = await this.records.adoptFromZoom(meeting, event.event_ts);
        return this.result(event, meeting.id, adopted, 'already recorded');
      }
      default:
        return { outcome: 'ignored', detail: 'event type not handled' };
    }
  }

  private result(
    event: ZoomWebhookEvent,
    meetingId: string,
    changed: boolean,
    why: string,
  ): ProcessingResult {
    if (changed) {
      this.logger.log(`${event.event}: record of meeting ${meetingId} now follows Zoom`);
      return { outcome: 'processed' };
    }
    // Zoom sends events for every meeting of the account, most of them not the gateway's.
    this.logger.debug(`${event.event}: meeting ${meetingId} ignored (${why})`);
    return { outcome: 'ignored', detail: why };
  }
}
