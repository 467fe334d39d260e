import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { timestampColumn } from './columns.js';

/** The audit trail of admin actions: who, what, when, on what. */
export class AuditEvents1764330100000 implements MigrationInterface {
  name = 'AuditEvents1764330100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'audit_events',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          timestampColumn(queryRunner, 'at'),
          { name: 'actor', type: 'varchar', length: '64' },
          { name: 'action', type: 'varchar', length: '64' },
          { name: 'target', type: 'varchar', length: '128', isNullable: true },
          { name: 'details', type: 'text', isNullable: true },
        ],
      }),
    );
    await queryRunner.createIndex(
      'audit_events',
      new TableIndex({ name: 'ix_audit_events_at_id', columnNames: ['at', 'id'] }),
    );
    await queryRunner.createIndex(
      'audit_events',
      new TableIndex({ name: 'ix_audit_events_action_at', columnNames: ['action', 'at'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_events');
  }
}
