import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';
import { nullableTimestampColumn, timestampColumn } from './columns.js';

export class ApiKeys1764320000000 implements MigrationInterface {
  name = 'ApiKeys1764320000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'api_keys',
        columns: [
          { name: 'name', type: 'varchar', length: '64', isPrimary: true },
          { name: 'key_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'admin', type: 'boolean', default: false },
          timestampColumn(queryRunner, 'created_at'),
          nullableTimestampColumn(queryRunner, 'revoked_at'),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('api_keys');
  }
}
