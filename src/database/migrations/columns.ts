import type { QueryRunner, TableColumnOptions } from 'typeorm';

/** Column types that mean the same on SQLite and PostgreSQL. */
export function isPostgres(queryRunner: QueryRunner): boolean {
  return queryRunner.connection.options.type === 'postgres';
}

/** A UTC timestamp with millisecond precision, defaulting to now. */
export function timestampColumn(queryRunner: QueryRunner, name: string): TableColumnOptions {
  return isPostgres(queryRunner)
    ? { name, type: 'timestamptz', precision: 3, default: 'now()' }
    : { name, type: 'datetime', default: "(strftime('%Y-%m-%d %H:%M:%f','now'))" };
}

/**
 * A 64-bit integer kept exact end to end: bigint on PostgreSQL (the pg driver returns it as a
 * string); on SQLite a decimal string, because better-sqlite3 would hand it to JS as a
 * number that rounds above 2^53.
 */
export function int64Column(queryRunner: QueryRunner, name: string): TableColumnOptions {
  return isPostgres(queryRunner)
    ? { name, type: 'bigint' }
    : { name, type: 'varchar', length: '20' };
}

/** A UTC timestamp that may be absent (no default). */
export function nullableTimestampColumn(
  queryRunner: QueryRunner,
  name: string,
): TableColumnOptions {
  return { ...timestampColumn(queryRunner, name), isNullable: true, default: undefined };
}
