import type { DataSource, EntityManager } from 'typeorm';

const tails = new WeakMap<DataSource, Promise<unknown>>();

/**
 * `dataSource.transaction`, safe to call concurrently on SQLite too. TypeORM's SQLite driver
 * has one connection and answers a second BEGIN while one is open with "cannot start a
 * transaction within a transaction"; SQLite serialises writers anyway, so transactions wait
 * their turn here. PostgreSQL runs them side by side on its pool.
 */
export function inTransaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  if (dataSource.options.type === 'postgres') return dataSource.transaction(work);
  const previous = tails.get(dataSource) ?? Promise.resolve();
  const run = previous.then(() => dataSource.transaction(work));
  tails.set(
    dataSource,
    run.catch(() => undefined),
  );
  return run;
}
