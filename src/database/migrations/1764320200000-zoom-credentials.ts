import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { isPostgres, timestampColumn, nullableTimestampColumn } from './columns.js';

/** Versioned, encrypted Zoom credentials and their audit trail (issue 5). */
export class ZoomCredentials1764320200000 implements MigrationInterface {
  name = 'ZoomCredentials1764320200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'zoom_credentials',
        columns: [
          { name: 'version', type: 'integer', isPrimary: true },
          { name: 'account_id', type: 'varchar', length: '128' },
          { name: 'client_id', type: 'varchar', length: '128' },
          { name: 'secret_ciphertext', type: 'text', isNullable: true },
          { name: 'fingerprint', type: 'varchar', length: '12' },
          { name: 'state', type: 'varchar', length: '16' },
          { name: 'source', type: 'varchar', length: '16' },
          { name: 'created_by', type: 'varchar', length: '64' },
          timestampColumn(queryRunner, 'created_at'),
          nullableTimestampColumn(queryRunner, 'activated_at'),
          nullableTimestampColumn(queryRunner, 'retired_at'),
        ],
      }),
    );
    // At most one active version, whatever a racing writer does.
    await queryRunner.createIndex(
      'zoom_credentials',
      new TableIndex({
        name: 'uq_zoom_credentials_one_active',
        columnNames: ['state'],
        isUnique: true,
        where: `state = 'active'`,
      }),
    );
    await queryRunner.createIndex(
      'zoom_credentials',
      new TableIndex({ name: 'ix_zoom_credentials_fingerprint', columnNames: ['fingerprint'] }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'zoom_credential_events',
        columns: [
          {
            name: 'id',
            type: 'integer',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'version', type: 'integer', isNullable: true },
          { name: 'event', type: 'varchar', length: '24' },
          { name: 'actor', type: 'varchar', length: '64' },
          { name: 'fingerprint', type: 'varchar', length: '12', isNullable: true },
          { name: 'reason', type: 'varchar', length: '500', isNullable: true },
          { name: 'replica_id', type: 'varchar', length: '128' },
          timestampColumn(queryRunner, 'created_at'),
        ],
      }),
    );
    // SQLite's cross-process rotation lock (PostgreSQL uses an advisory lock instead).
    await queryRunner.createTable(
      new Table({
        name: 'zoom_credential_locks',
        columns: [
          { name: 'name', type: 'varchar', length: '32', isPrimary: true },
          { name: 'owner', type: 'varchar', length: '200' },
          { name: 'expires_at_ms', type: isPostgres(queryRunner) ? 'bigint' : 'integer' },
        ],
      }),
    );
    await queryRunner.createIndex(
      'zoom_credential_events',
      new TableIndex({ name: 'ix_zoom_credential_events_version', columnNames: ['version'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('zoom_credential_locks');
    await queryRunner.dropTable('zoom_credential_events');
    await queryRunner.dropTable('zoom_credentials');
  }
}
