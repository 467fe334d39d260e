import { Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { buildDataSourceOptions } from './database.options.js';
import { runMigrations } from './migration-runner.js';

const logger = new Logger('Database');

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...buildDataSourceOptions(config.database),
        // A database that is down at start-up is retried a few times, then the process stops.
        retryAttempts: 5,
        retryDelay: 1_000,
        runMigrationsAtStartup: config.runMigrations,
      }),
      // Migrations run before any provider can see the DataSource, so nothing reads an old schema.
      dataSourceFactory: async (options) => {
        const dataSource = await new DataSource(options!).initialize();
        if (
          options &&
          'runMigrationsAtStartup' in options &&
          options.runMigrationsAtStartup === false
        ) {
          logger.log('RUN_MIGRATIONS=false: not running migrations at start-up');
          return dataSource;
        }
        const ran = await runMigrations(dataSource);
        logger.log(
          ran.length ? `Ran migrations: ${ran.join(', ')}` : 'Database schema is up to date',
        );
        return dataSource;
      },
    }),
  ],
})
export class DatabaseModule {}
