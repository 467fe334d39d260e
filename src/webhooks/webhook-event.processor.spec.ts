import { loadConfig } from '../config/app-config.js';
import type {
  MeetingRecordsPort,
  ZoomMeetingObject,
  ZoomMeetingUpdate,
} from './meeting-records.port.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ZoomReadCache } from '../zoom/cache/zoom-read-cache.js';
import { WebhookEventProcessor } from './webhook-event.processor.js';

/** The meeting records as webhooks see them: what was asked of them. */
class RecordedMeetings implements MeetingRecordsPort {
  readonly calls: string[] = [];
  async markDeletedByZoom(id: string, _reason: string, eventTs?: number): Promise<boolean> {
    this.calls.push(`deleted ${id}${at(eventTs)}`);
    return true;
  }
  async applyZoomUpdate(id: string, fields: ZoomMeetingUpdate, eventTs?: number): Promise<boolean> {
    this.calls.push(`updated ${id}: ${JSON.stringify(fields)}${at(eventTs)}`);
    return true;
  }
  async adoptFromZoom(meeting: ZoomMeetingObject, eventTs?: number): Promise<boolean> {
    this.calls.push(`adopted ${meeting.id}${at(eventTs)}`);
    return true;
  }
}

function at(eventTs: number | undefined): string {
  return eventTs === undefined ? '' : ` @${eventTs}`;
}

// Zoom's event reference: developers.zoom.us/docs/api/meetings/events/ (meeting.deleted carries
// `operation` "single" | "all" and, for one occurrence, `object.occurrences`; meeting.updated
// carries `scope` "single" | "all").
describe(WebhookEventProcessor.name, () => {
  const object = { id: 85746065432, uuid: 'u1', topic: 'Weekly', type: 8 };
  let records: RecordedMeetings;
  let processor: WebhookEventProcessor;

  beforeEach(() => {
    records = new RecordedMeetings();
    const config = loadConfig({});
    processor = new WebhookEventProcessor(
      config,
      records,
      new ZoomReadCache(config, new MetricsService()),
    );
  });

  it('keeps the record when one occurrence is deleted (operation single)', async () => {
    await expect(
      processor.process({ event: 'meeting.deleted', payload: { operation: 'single', object } }),
    ).resolves.toMatchObject({ outcome: 'ignored' });
    expect(records.calls).toEqual([]);
  });

  it('keeps the record when the deleted event names occurrences without an operation', async () => {
    const occurrences = [{ occurrence_id: '1648194360000', start_time: '2031-01-01T10:00:00Z' }];
    await processor.process({
      event: 'meeting.deleted',
      payload: { object: { ...object, occurrences } },
    });
    expect(records.calls).toEqual([]);
  });

  it('keeps the record when one occurrence is updated (scope single)', async () => {
    await processor.process({
      event: 'meeting.updated',
      payload: { scope: 'single', object: { ...object, topic: 'Once' } },
    });
    expect(records.calls).toEqual([]);
  });

  it('deletes and updates the record when the whole meeting changes', async () => {
    await processor.process({ event: 'meeting.deleted', payload: { operation: 'all', object } });
    await processor.process({
      event: 'meeting.updated',
      payload: { scope: 'all', object: { ...object, topic: 'All' } },
    });
    expect(records.calls).toEqual(['deleted 85746065432', 'updated 85746065432: {"topic":"All"}']);
  });

  it("passes each event's event_ts on, so the records keep the newest", async () => {
    const config = loadConfig({ ZOOM_WEBHOOK_ADOPT_CREATED: 'true' });
    processor = new WebhookEventProcessor(
      config,
      records,
      new ZoomReadCache(config, new MetricsService()),
    );
    await processor.process({ event: 'meeting.created', payload: { object }, event_ts: 1000 });
    await processor.process({
      event: 'meeting.updated',
      payload: { scope: 'all', object: { ...object, topic: 'All' } },
      event_ts: 3000,
    });
    await processor.process({
      event: 'meeting.deleted',
      payload: { operation: 'all', object },
      event_ts: 2000,
    });
    expect(records.calls).toEqual([
      'adopted 85746065432 @1000',
      'updated 85746065432: {"topic":"All"} @3000',
      'deleted 85746065432 @2000',
    ]);
  });

  it('passes on only the fields Zoom says changed (payload.object), never their old values', async () => {
    await processor.process({
      event: 'meeting.updated',
      payload: {
        scope: 'all',
        object: { id: object.id, duration: 60 },
        old_object: { id: object.id, duration: 30 },
      },
      event_ts: 2000,
    });
    await processor.process({
      event: 'meeting.updated',
      payload: {
        object: { id: object.id, topic: 'B', timezone: 'Europe/Paris' },
        old_object: { id: object.id, topic: 'A', timezone: 'UTC' },
      },
      event_ts: 1000,
    });
    // Each reaches the records with its own event_ts: the newest wins per field, not per meeting.
    expect(records.calls).toEqual([
      'updated 85746065432: {"duration":60} @2000',
      'updated 85746065432: {"topic":"B","timezone":"Europe/Paris"} @1000',
    ]);
  });
});
