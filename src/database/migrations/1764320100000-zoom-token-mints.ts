import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { timestampColumn } from './columns.js';

/** The mint ledger: every attempt to mint a Zoom token (never the token, only its fingerprint). */
export class ZoomTokenMints1764320100000 implements MigrationInterface {
  name = 'ZoomTokenMints1764320100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'zoom_token_mints',
        columns: [
          {
            name: 'id',
            type: 'integer',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          timestampColumn(queryRunner, 'at'),
          { name: 'replica_id', type: 'varchar', length: '128' },
          { name: 'credential_version', type: 'integer' },
          { name: 'reason', type: 'varchar', length: '32' },
          { name: 'outcome', type: 'varchar', length: '32' },
          { name: 'latency_ms', type: 'integer' },
          { name: 'token_fingerprint', type: 'varchar', length: '16', isNullable: true },
        ],
      }),
    );
    await queryRunner.createIndex(
      'zoom_token_mints',
      new TableIndex({ name: 'idx_zoom_token_mints_at', columnNames: ['at'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('zoom_token_mints');
  }
}
