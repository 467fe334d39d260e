import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
import { nullableTimestampColumn, timestampColumn } from './columns.js';

/**
 * Zoom's events passed on to internal apps.
 * - `webhook_events` keeps each event's bytes (`body`, as received; signed again per subscriber)
 *   and Zoom's `event_ts` (`event_at`), so events are delivered, retried and replayed from here.
 * - `webhook_subscriptions`: an app's URL, its event patterns and its signing secret (encrypted:
 *   it must be read to sign; a rotation keeps the old one signing until `secret_switch_at`).
 * - `webhook_deliveries`: one event to one subscription, claimed by one replica at a time
 *   (`claimed_by` until `claim_until`), retried until `retry_until`, then `failed`.
 */
export class WebhookSubscriptions1764350100000 implements MigrationInterface {
  name = 'WebhookSubscriptions1764350100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('webhook_events', [
      new TableColumn({ name: 'body', type: 'text', isNullable: true }),
      new TableColumn(nullableTimestampColumn(queryRunner, 'event_at')),
    ]);
    await queryRunner.createTable(
      new Table({
        name: 'webhook_subscriptions',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'app', type: 'varchar', length: '64' },
          { name: 'url', type: 'varchar', length: '2048' },
          // JSON array of patterns: `meeting.*`, `recording.completed`, `*`
          { name: 'events', type: 'text' },
          { name: 'description', type: 'varchar', length: '200', isNullable: true },
          nullableTimestampColumn(queryRunner, 'paused_at'),
          { name: 'secret', type: 'text' },
          { name: 'next_secret', type: 'text', isNullable: true },
          nullableTimestampColumn(queryRunner, 'secret_switch_at'),
          nullableTimestampColumn(queryRunner, 'failing_since'),
          nullableTimestampColumn(queryRunner, 'last_success_at'),
          timestampColumn(queryRunner, 'created_at'),
          timestampColumn(queryRunner, 'updated_at'),
        ],
      }),
    );
    await queryRunner.createIndex(
      'webhook_subscriptions',
      new TableIndex({ name: 'idx_webhook_subscriptions_app', columnNames: ['app'] }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webhook_deliveries',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'subscription_id', type: 'varchar', length: '36' },
          { name: 'app', type: 'varchar', length: '64' },
          { name: 'event_id', type: 'varchar', length: '64' },
          { name: 'event', type: 'varchar', length: '100' },
          // the order key: deliveries of one meeting to one subscription go one after another
          { name: 'meeting_id', type: 'varchar', length: '20', isNullable: true },
          timestampColumn(queryRunner, 'event_at'),
          // pending | delivered | failed
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'attempts', type: 'integer', default: 0 },
          timestampColumn(queryRunner, 'next_attempt_at'),
          timestampColumn(queryRunner, 'retry_until'),
          // set while the app's ownership of the meeting is not yet known (a create in flight)
          nullableTimestampColumn(queryRunner, 'hold_until'),
          { name: 'claimed_by', type: 'varchar', length: '64', isNullable: true },
          nullableTimestampColumn(queryRunner, 'claim_until'),
          { name: 'last_status', type: 'integer', isNullable: true },
          { name: 'last_error', type: 'varchar', length: '300', isNullable: true },
          nullableTimestampColumn(queryRunner, 'last_attempt_at'),
          nullableTimestampColumn(queryRunner, 'delivered_at'),
          timestampColumn(queryRunner, 'created_at'),
        ],
      }),
    );
    await queryRunner.createIndex(
      'webhook_deliveries',
      new TableIndex({
        name: 'idx_webhook_deliveries_due',
        columnNames: ['status', 'next_attempt_at'],
      }),
    );
    await queryRunner.createIndex(
      'webhook_deliveries',
      new TableIndex({
        name: 'idx_webhook_deliveries_order',
        columnNames: ['subscription_id', 'meeting_id', 'status'],
      }),
    );
    await queryRunner.createIndex(
      'webhook_deliveries',
      new TableIndex({
        name: 'idx_webhook_deliveries_event',
        columnNames: ['event_id'],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('webhook_deliveries');
    await queryRunner.dropTable('webhook_subscriptions');
    await queryRunner.dropColumn('webhook_events', 'event_at');
    await queryRunner.dropColumn('webhook_events', 'body');
  }
}
