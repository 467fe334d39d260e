import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { int64Column, timestampColumn, nullableTimestampColumn } from './columns.js';

export class Meetings1764320300000 implements MigrationInterface {
  name = 'Meetings1764320300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'meetings',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { ...int64Column(queryRunner, 'zoom_meeting_id'), isNullable: true },
          { name: 'zoom_uuid', type: 'varchar', length: '128', isNullable: true },
          { name: 'host_user', type: 'varchar', length: '128' },
          { name: 'host_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'host_email', type: 'varchar', length: '256', isNullable: true },
          { name: 'topic', type: 'varchar', length: '200', isNullable: true },
          { name: 'type', type: 'integer', isNullable: true },
          nullableTimestampColumn(queryRunner, 'start_time'),
          { name: 'duration', type: 'integer', isNullable: true },
          { name: 'timezone', type: 'varchar', length: '64', isNullable: true },
          { name: 'join_url', type: 'varchar', length: '1024', isNullable: true },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'created_by', type: 'varchar', length: '64' },
          timestampColumn(queryRunner, 'created_at'),
          timestampColumn(queryRunner, 'updated_at'),
          nullableTimestampColumn(queryRunner, 'deleted_at'),
          { name: 'deletion_reason', type: 'varchar', length: '256', isNullable: true },
          { name: 'failure_reason', type: 'varchar', length: '512', isNullable: true },
          { name: 'idempotency_key_hash', type: 'varchar', length: '64', isNullable: true },
          { name: 'request_hash', type: 'varchar', length: '64', isNullable: true },
          nullableTimestampColumn(queryRunner, 'idempotency_expires_at'),
          { name: 'response_encrypted', type: 'text', isNullable: true },
        ],
      }),
    );
    // Unique indexes allow many NULLs on both engines: failed/expired keys are cleared to NULL.
    await queryRunner.createIndex(
      'meetings',
      new TableIndex({
        name: 'uq_meetings_zoom_meeting_id',
        columnNames: ['zoom_meeting_id'],
        isUnique: true,
      }),
    );
    await queryRunner.createIndex(
      'meetings',
      new TableIndex({
        name: 'uq_meetings_idempotency_key',
        columnNames: ['idempotency_key_hash'],
        isUnique: true,
      }),
    );
    await queryRunner.createIndex(
      'meetings',
      new TableIndex({ name: 'ix_meetings_created_at_id', columnNames: ['created_at', 'id'] }),
    );
    await queryRunner.createIndex(
      'meetings',
      new TableIndex({ name: 'ix_meetings_status', columnNames: ['status'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('meetings');
  }
}
