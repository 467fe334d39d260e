import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { nullableTimestampColumn, timestampColumn } from './columns.js';

/**
 * The operator console: its sessions, shared by the fleet (only each session secret's sha256 is
 * kept), and the fleet's per-minute counters its charts read (kept a day).
 */
export class ConsoleSessions1764360000000 implements MigrationInterface {
  name = 'ConsoleSessions1764360000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'console_sessions',
        columns: [
          { name: 'id', type: 'varchar', length: '32', isPrimary: true },
          { name: 'secret_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'kind', type: 'varchar', length: '8' },
          { name: 'subject', type: 'varchar', length: '255' },
          { name: 'may_act', type: 'boolean' },
          timestampColumn(queryRunner, 'created_at'),
          { ...timestampColumn(queryRunner, 'expires_at'), default: undefined },
          nullableTimestampColumn(queryRunner, 'revoked_at'),
        ],
      }),
    );
    await queryRunner.createIndex(
      'console_sessions',
      new TableIndex({ name: 'ix_console_sessions_expires_at', columnNames: ['expires_at'] }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'fleet_minute_counters',
        columns: [
          { name: 'minute', type: 'bigint', isPrimary: true },
          { name: 'name', type: 'varchar', length: '96', isPrimary: true },
          { name: 'value', type: 'integer' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('fleet_minute_counters');
    await queryRunner.dropTable('console_sessions');
  }
}
