import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';
import { int64Column } from './columns.js';

/** The fields a Zoom `meeting.updated` may carry that the record keeps, each with its own `event_ts`. */
const FIELD_EVENT_TS = [
  'topic_event_ts',
  'start_time_event_ts',
  'duration_event_ts',
  'timezone_event_ts',
] as const;

/**
 * Zoom's `event_ts` (ms since epoch, Zoom's clock) on meeting records, so events arriving out of
 * order (retries, two replicas) never let an older `meeting.updated` overwrite a newer one and a
 * repeat changes nothing. Zoom's update carries only the fields that changed, so the order is
 * kept per field: `topic_event_ts`, `start_time_event_ts`, `duration_event_ts` and
 * `timezone_event_ts`, the `event_ts` of the event whose value the field holds (an update of
 * the duration older than one of the topic still applies). `zoom_event_ts`: the newest event
 * applied to the record at all (an update, a deletion, an adopted meeting's creation). All
 * null until a timed event is applied: existing records take the next one.
 */
export class MeetingEventTs1764350000000 implements MigrationInterface {
  name = 'MeetingEventTs1764350000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns(
      'meetings',
      ['zoom_event_ts', ...FIELD_EVENT_TS].map(
        (name) => new TableColumn({ ...int64Column(queryRunner, name), isNullable: true }),
      ),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumns('meetings', ['zoom_event_ts', ...FIELD_EVENT_TS]);
  }
}
