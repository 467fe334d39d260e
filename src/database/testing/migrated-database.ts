import { DataSource, type DataSourceOptions } from 'typeorm';
import { runMigrations } from '../migration-runner.js';

/** A real database for one spec, migrated as the gateway migrates it at start. */
export interface MigratedDatabase {
  /** Initialized and migrated. */
  dataSource: DataSource;
  /**
   * Another DataSource on the same database, opened as the next start (or another replica)
   * opens it: migrations run, and find nothing pending. close() closes it too if still open.
   */
  connect(): Promise<DataSource>;
  /** Closes every DataSource still open on the database, then deletes the database. */
  close(): Promise<void>;
}

/** Opens `options`, migrates, and deletes the database through `remove` once closed. */
export async function openMigrated(
  options: DataSourceOptions,
  remove: () => Promise<void>,
): Promise<MigratedDatabase> {
  const opened: DataSource[] = [];
  const close = async () => {
    for (const dataSource of opened.splice(0))
      if (dataSource.isInitialized) await dataSource.destroy();
    await remove();
  };
  const connect = async () => {
    const dataSource = new DataSource(options);
    opened.push(dataSource);
    await dataSource.initialize();
    await runMigrations(dataSource);
    return dataSource;
  };
  try {
    return { dataSource: await connect(), connect, close };
  } catch (error) {
    await close();
    throw error;
  }
}
