import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';
import { int64Column } from './columns.js';

/**
 * `meetings.zoom_event_ts`: the `event_ts` (ms since epoch, Zoom's clock) of the newest Zoom
 * event applied to the record, so events arriving out of order (retries, two replicas) never
 * let an older `meeting.updated` overwrite a newer one, and a repeat changes nothing. Null
 * until a timed event is applied: existing records take the next one.
 */
export class MeetingEventTs1764350000000 implements MigrationInterface {
  name = 'MeetingEventTs1764350000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'meetings',
      new TableColumn({ ...int64Column(queryRunner, 'zoom_event_ts'), isNullable: true }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('meetings', 'zoom_event_ts');
  }
}
