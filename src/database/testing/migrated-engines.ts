import type { MigratedDatabase } from './migrated-database.js';
import { migratedPostgres } from './migrated-postgres.js';
import { migratedSqlite } from './migrated-sqlite.js';

/**
 * Both engines the gateway runs on, for specs that run the same tests on each:
 * `describe.each(migratedEngines)('… on %s', (_engine, open) => …)`, then `await open('name')`.
 */
export const migratedEngines: Array<
  [engine: string, open: (name: string) => Promise<MigratedDatabase>]
> = [
  ['SQLite', migratedSqlite],
  ['PostgreSQL', migratedPostgres],
];
