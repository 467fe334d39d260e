import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
import { nullableTimestampColumn, timestampColumn } from './columns.js';

/**
 * API keys become apps with grants, expiry and several keys (a rotation overlap): the hashes
 * move to `api_key_secrets`, and `api_key_usage` keeps when each app last used a key.
 */
export class ApiKeyLifecycle1764330000000 implements MigrationInterface {
  name = 'ApiKeyLifecycle1764330000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'api_key_secrets',
        columns: [
          { name: 'key_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'name', type: 'varchar', length: '64' },
          timestampColumn(queryRunner, 'created_at'),
          nullableTimestampColumn(queryRunner, 'retires_at'),
        ],
      }),
    );
    await queryRunner.createIndex(
      'api_key_secrets',
      new TableIndex({ name: 'ix_api_key_secrets_name', columnNames: ['name'] }),
    );
    await queryRunner.query(
      'INSERT INTO api_key_secrets (key_hash, name, created_at) SELECT key_hash, name, created_at FROM api_keys',
    );
    await queryRunner.addColumns('api_keys', [
      new TableColumn({ name: 'grants', type: 'varchar', length: '512', isNullable: true }),
      new TableColumn({ name: 'created_by', type: 'varchar', length: '64', isNullable: true }),
      new TableColumn(timestampColumn(queryRunner, 'updated_at')),
      new TableColumn(nullableTimestampColumn(queryRunner, 'expires_at')),
    ]);
    await queryRunner.dropColumn('api_keys', 'key_hash');
    await queryRunner.createTable(
      new Table({
        name: 'api_key_usage',
        columns: [
          { name: 'name', type: 'varchar', length: '64', isPrimary: true },
          timestampColumn(queryRunner, 'last_used_at'),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('api_key_usage');
    await queryRunner.addColumn(
      'api_keys',
      new TableColumn({ name: 'key_hash', type: 'varchar', length: '64', isNullable: true }),
    );
    // The oldest live key of each app goes back on its row; its other keys are lost.
    await queryRunner.query(
      'UPDATE api_keys SET key_hash = (SELECT s.key_hash FROM api_key_secrets s WHERE s.name = api_keys.name ORDER BY s.created_at LIMIT 1)',
    );
    await queryRunner.dropColumns('api_keys', ['grants', 'created_by', 'updated_at', 'expires_at']);
    await queryRunner.dropTable('api_key_secrets');
  }
}
