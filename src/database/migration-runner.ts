import type { DataSource } from 'typeorm';

/** An arbitrary but fixed key for pg_advisory_lock: "zoom-gateway migrations". */
const MIGRATION_LOCK_KEY = 720_461_918;

/**
 * Runs pending migrations exactly once even when several replicas start together: on
 * PostgreSQL a session advisory lock serialises them (the later ones find nothing to do);
 * SQLite is one file on one machine, and its writer lock serialises the transaction.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  if (dataSource.options.type !== 'postgres') {
    const ran = await dataSource.runMigrations({ transaction: 'all' });
    return ran.map((m) => m.name);
  }
  const lockRunner = dataSource.createQueryRunner();
  await lockRunner.connect();
  try {
    await lockRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const ran = await dataSource.runMigrations({ transaction: 'all' });
    return ran.map((m) => m.name);
  } finally {
    await lockRunner
      .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
      .catch(() => undefined);
    await lockRunner.release();
  }
}
