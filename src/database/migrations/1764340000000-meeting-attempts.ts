import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';
import { nullableTimestampColumn } from './columns.js';

/**
 * `meetings.attempt_heartbeat_at` and `attempt_started_at`: whether a create's call to Zoom is
 * really still running somewhere in the fleet (a heartbeat), so a retry with the same
 * Idempotency-Key is answered at once instead of waiting for reconciliation, and when the
 * latest attempt began, so the meeting it made can be recognised in Zoom's list.
 * Records already `creating` get their creation time for both: they count as running for a
 * few seconds at most, then as ended (their outcome is looked up in Zoom).
 */
export class MeetingAttempts1764340000000 implements MigrationInterface {
  name = 'MeetingAttempts1764340000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('meetings', [
      new TableColumn(nullableTimestampColumn(queryRunner, 'attempt_heartbeat_at')),
      new TableColumn(nullableTimestampColumn(queryRunner, 'attempt_started_at')),
    ]);
    await queryRunner.query(
      `UPDATE meetings SET attempt_heartbeat_at = created_at, attempt_started_at = created_at WHERE status = 'creating'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('meetings', 'attempt_started_at');
    await queryRunner.dropColumn('meetings', 'attempt_heartbeat_at');
  }
}
