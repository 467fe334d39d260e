import { Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { addressFreeError } from '../common/errors/loggable-error.js';
import { AppConfig } from '../config/app-config.js';
import { buildDataSourceOptions } from './database.options.js';
import { runMigrations } from './migration-runner.js';

const logger = new Logger('Database');

/**
 * PostgreSQL: on a pool of its own without the request deadlines, since a migration, or waiting
 * for another replica's, may take longer than a request may. SQLite has no such deadlines (and
 * an in-memory database exists only on its own connection), so it migrates in place.
 */
async function migrate(options: DataSourceOptions, dataSource: DataSource): Promise<void> {
  const own =
    options.type === 'postgres'
      ? await new DataSource({
          ...options,
          entities: [],
          extra: { max: 2, keepAlive: true },
        }).initialize()
      : null;
  try {
    const ran = await runMigrations(own ?? dataSource);
    logger.log(ran.length ? `Ran migrations: ${ran.join(', ')}` : 'Database schema is up to date');
  } finally {
    await own?.destroy();
  }
}

/**
 * The one DataSource, migrated before anyone sees it. Imported once, by the root module: it needs
 * no `@Global()`, since the DataSource it makes is global already (TypeORM's core module) and a
 * feature's repositories come from its own `TypeOrmModule.forFeature`.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...buildDataSourceOptions(config.database, {
          queryMs: config.databaseQueryTimeoutMs,
          connectMs: config.databaseConnectTimeoutMs,
        }),
        // Each feature module registers its own entities (TypeOrmModule.forFeature): database/
        // knows none of them.
        autoLoadEntities: true,
        // A database that is down at start-up is retried a few times, then the process stops.
        retryAttempts: 5,
        retryDelay: 1_000,
        runMigrationsAtStartup: config.runMigrations,
      }),
      // Migrations run before any provider can see the DataSource, so nothing reads an old schema.
      // Nest logs each failed try's stack ("Unable to connect to the database. Retrying"): it
      // gets a copy without the server's address, port or connection string.
      dataSourceFactory: async (options) => {
        if (!options) throw new Error('No database options');
        try {
          const dataSource = await new DataSource(options).initialize();
          if ('runMigrationsAtStartup' in options && options.runMigrationsAtStartup === false) {
            logger.log('RUN_MIGRATIONS=false: not running migrations at start-up');
          } else {
            await migrate(options, dataSource);
          }
          return dataSource;
        } catch (error) {
          throw addressFreeError(error, 'database');
        }
      },
    }),
  ],
})
export class DatabaseModule {}
