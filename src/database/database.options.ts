import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config.js';
import { MIGRATIONS } from './migrations/index.js';
import { TypeOrmLogger } from './typeorm-logger.js';

/**
 * Deadlines that fit a request's budget (PostgreSQL): a hung or unreachable database costs a
 * request at most `connectMs` waiting for a connection plus `queryMs` per query, then answers
 * 503 database_unavailable, instead of hanging. Without them (the TypeORM CLI, migrations) a
 * statement may take as long as it needs.
 */
export interface DatabaseDeadlines {
  /** Client-side `query_timeout` (fires even when the server is frozen) and server-side `statement_timeout`. */
  queryMs: number;
  /** Pool `connectionTimeoutMillis`: both opening a connection and waiting for a free one. */
  connectMs: number;
}

/** Queries slower than this are logged as a warning (without parameters). */
const SLOW_QUERY_MS = 1_000;

/**
 * The one source of truth for database options: the application (TypeOrmModule) and
 * ormconfig.ts (the TypeORM CLI) both build their DataSource from here. No entities: database/
 * knows no feature. The application's DataSource loads the entities its feature modules register
 * (`TypeOrmModule.forFeature`, `autoLoadEntities`); a DataSource built outside Nest adds the
 * composition root's list (src/entities.ts). Migrations need none.
 */
export function buildDataSourceOptions(
  database: DatabaseConfig,
  deadlines?: DatabaseDeadlines,
): DataSourceOptions {
  const common = {
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false, // run explicitly under a lock: see MigrationRunner
    logger: new TypeOrmLogger(),
    maxQueryExecutionTime: SLOW_QUERY_MS,
  };
  if (database.type === 'sqlite') {
    if (database.path !== ':memory:') mkdirSync(dirname(database.path), { recursive: true });
    return {
      ...common,
      type: 'better-sqlite3',
      database: database.path,
      // WAL lets readers run beside the one writer; busy_timeout waits out a writer instead of failing.
      prepareDatabase: (db: { pragma(source: string): unknown }) => {
        db.pragma('journal_mode = WAL');
        db.pragma('busy_timeout = 5000');
        db.pragma('foreign_keys = ON');
      },
    };
  }
  return {
    ...common,
    type: 'postgres',
    url: database.url,
    extra: {
      max: 20,
      // Notices a peer that vanished (host down, network cut) on idle connections too.
      keepAlive: true,
      ...(deadlines
        ? {
            connectionTimeoutMillis: deadlines.connectMs,
            query_timeout: deadlines.queryMs,
            statement_timeout: deadlines.queryMs,
          }
        : {}),
    },
  };
}
