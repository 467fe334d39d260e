import type { ObjectLiteral, Repository } from 'typeorm';
import type { Driver } from 'typeorm/driver/Driver.js';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';

/**
 * An entity's INSERT and UPDATE as plain parameterized SQL, written from TypeORM's own metadata
 * (table and column names, placeholders and value conversion per database), for the writes made
 * on every create: TypeORM's query builder rebuilt and re-escaped each statement on each call,
 * 18% of a create's CPU (README, Performance). Same statements, same conversions, same errors
 * (QueryFailedError) on SQLite and PostgreSQL; every other query uses the repository.
 */
export class PlainWrites<T extends ObjectLiteral> {
  private insertSql: string | undefined;

  constructor(private readonly repository: Repository<T>) {}

  /** Inserts one row with every column of the entity (a missing value is NULL). */
  async insert(entity: T): Promise<void> {
    const columns = this.repository.metadata.columns;
    this.insertSql ??=
      `INSERT INTO ${this.table()} (${columns.map((c) => this.name(c)).join(', ')}) ` +
      `VALUES (${columns.map((_, i) => this.parameter(i)).join(', ')})`;
    await this.repository.manager.query(
      this.insertSql,
      columns.map((c) => this.value(c, c.getEntityValue(entity))),
    );
  }

  /** Sets `changes` on the rows whose columns equal every value of `where`; how many rows changed. */
  async update(where: Partial<T>, changes: Partial<T>): Promise<number> {
    const set = this.columnsOf(changes);
    const match = this.columnsOf(where);
    const sql =
      `UPDATE ${this.table()} SET ${set.map((c, i) => `${this.name(c)} = ${this.parameter(i)}`).join(', ')} ` +
      `WHERE ${match.map((c, i) => `${this.name(c)} = ${this.parameter(set.length + i)}`).join(' AND ')}`;
    const parameters = [
      ...set.map((c) => this.value(c, c.getEntityValue(changes))),
      ...match.map((c) => this.value(c, c.getEntityValue(where))),
    ];
    const runner = this.repository.manager.connection.createQueryRunner();
    try {
      const result = await runner.query(sql, parameters, true);
      return result.affected ?? 0;
    } finally {
      await runner.release();
    }
  }

  /** The entity's columns named in `values` (undefined values are left out, as TypeORM does). */
  private columnsOf(values: Partial<T>): ColumnMetadata[] {
    const columns = this.repository.metadata.columns.filter(
      (c) => c.getEntityValue(values) !== undefined,
    );
    if (columns.length === 0) throw new Error('PlainWrites: no column to write or to match');
    return columns;
  }

  /** The database's own escaping, placeholders and value conversion. */
  private get driver(): Driver {
    return this.repository.manager.connection.driver;
  }

  private table(): string {
    return this.driver.escape(this.repository.metadata.tablePath);
  }

  private name(column: ColumnMetadata): string {
    return this.driver.escape(column.databaseName);
  }

  private parameter(index: number): string {
    return this.driver.createParameter(`p${index}`, index);
  }

  private value(column: ColumnMetadata, value: unknown): unknown {
    return this.driver.preparePersistentValue(value ?? null, column);
  }
}
