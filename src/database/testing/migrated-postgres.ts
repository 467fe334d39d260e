import { createPostgresDatabase } from '../../../test/support/services.js';
import { ENTITIES } from '../../entities.js';
import { buildDataSourceOptions } from '../database.options.js';
import { type MigratedDatabase, openMigrated } from './migrated-database.js';

/**
 * A fresh PostgreSQL database of its own (on TEST_POSTGRES_URL's server, 127.0.0.1:5432 unless
 * told), migrated as the gateway migrates it at start, with every entity (the composition root's
 * list, src/entities.ts); close() drops it.
 */
export async function migratedPostgres(): Promise<MigratedDatabase> {
  const database = await createPostgresDatabase();
  return openMigrated(
    { ...buildDataSourceOptions({ type: 'postgres', url: database.url }), entities: ENTITIES },
    () => database.drop(),
  );
}
