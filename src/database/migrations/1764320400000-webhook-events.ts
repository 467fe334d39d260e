import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { nullableTimestampColumn, timestampColumn } from './columns.js';

/**
 * `webhook_events`: Zoom events already taken in, so a retried or replayed delivery is
 * processed at most once; `received_at` lets old rows be pruned.
 * `meeting_checks`: when reconciliation last asked Zoom about a meeting record, so each run
 * checks the records checked longest ago first (kept apart from `meetings`, which another
 * module owns).
 */
export class WebhookEvents1764320400000 implements MigrationInterface {
  name = 'WebhookEvents1764320400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'webhook_events',
        columns: [
          // sha256 (hex) of the raw body: identical for every retry of one event
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'event', type: 'varchar', length: '100' },
          { name: 'meeting_id', type: 'varchar', length: '20', isNullable: true },
          // received | processed | ignored | failed
          { name: 'status', type: 'varchar', length: '16', default: "'received'" },
          { name: 'detail', type: 'varchar', length: '500', isNullable: true },
          timestampColumn(queryRunner, 'received_at'),
          nullableTimestampColumn(queryRunner, 'processed_at'),
        ],
      }),
    );
    await queryRunner.createIndex(
      'webhook_events',
      new TableIndex({ name: 'idx_webhook_events_received_at', columnNames: ['received_at'] }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'meeting_checks',
        columns: [
          // meetings.id (the record's own id)
          { name: 'meeting_id', type: 'varchar', length: '36', isPrimary: true },
          timestampColumn(queryRunner, 'checked_at'),
          // present | deleted | error
          { name: 'outcome', type: 'varchar', length: '16' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('meeting_checks');
    await queryRunner.dropTable('webhook_events');
  }
}
