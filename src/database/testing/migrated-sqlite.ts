import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../database.options.js';
import { runMigrations } from '../migration-runner.js';

export interface MigratedSqlite {
  dataSource: DataSource;
  /** Closes the database and deletes its directory. */
  close(): Promise<void>;
}

/** A real SQLite database in a temporary directory, migrated as the gateway migrates it at start. */
export async function migratedSqlite(name: string): Promise<MigratedSqlite> {
  const dir = mkdtempSync(join(tmpdir(), `zg-${name}-`));
  const dataSource = await new DataSource(
    buildDataSourceOptions({ type: 'sqlite', path: join(dir, 'db.sqlite') }),
  ).initialize();
  await runMigrations(dataSource);
  return {
    dataSource,
    close: async () => {
      await dataSource.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
