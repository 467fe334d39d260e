import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENTITIES } from '../../entities.js';
import { buildDataSourceOptions } from '../database.options.js';
import { type MigratedDatabase, openMigrated } from './migrated-database.js';

/** The name the SQLite specs knew it by: the same shape as every engine's. */
export type MigratedSqlite = MigratedDatabase;

/**
 * A real SQLite database in a temporary directory (named after `name`), migrated as the gateway
 * migrates it at start, with every entity (the composition root's list, src/entities.ts);
 * close() deletes the directory.
 */
export async function migratedSqlite(name: string): Promise<MigratedDatabase> {
  const dir = mkdtempSync(join(tmpdir(), `zg-${name}-`));
  return openMigrated(
    {
      ...buildDataSourceOptions({ type: 'sqlite', path: join(dir, 'db.sqlite') }),
      entities: ENTITIES,
    },
    async () => rmSync(dir, { recursive: true, force: true }),
  );
}
