import type { EntityManager, ObjectLiteral, QueryRunner, Repository } from 'typeorm';
import type { Driver } from 'typeorm/driver/Driver.js';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';

/** The entity properties an `update` may set and may match on; each must be a column of the entity. */
export interface PlainUpdateColumns<T> {
  set: ReadonlyArray<keyof T & string>;
  match: ReadonlyArray<keyof T & string>;
}

/**
 * An entity's INSERT and UPDATE as plain parameterized SQL, written from TypeORM's own metadata
 * (table and column names, placeholders and value conversion per database), for the writes made
 * on every create: TypeORM's query builder rebuilt and re-escaped each statement on each call,
 * 18% of a create's CPU (README, Performance). Same statements, same conversions, same errors
 * (QueryFailedError) on SQLite and PostgreSQL; every other query uses the repository. Private to
 * MeetingsRepository.
 *
 * Checked when made (so at module init, not at the first create): every property `update` was
 * told it sets or matches must be a column of the entity. Both writes join the caller's
 * transaction when given its EntityManager. A null in `where` matches with `IS NULL`, as
 * TypeORM's `update` does.
 */
export class PlainWrites<T extends ObjectLiteral> {
  private readonly insertColumns: ColumnMetadata[];
  private readonly insertSql: string;
  private readonly settable: Map<string, ColumnMetadata>;
  private readonly matchable: Map<string, ColumnMetadata>;

  constructor(
    private readonly repository: Repository<T>,
    update: PlainUpdateColumns<T>,
  ) {
    this.settable = this.columnsNamed(update.set, 'set');
    this.matchable = this.columnsNamed(update.match, 'match on');
    this.insertColumns = repository.metadata.columns;
    this.insertSql =
      `INSERT INTO ${this.table()} (${this.insertColumns.map((c) => this.name(c)).join(', ')}) ` +
      `VALUES (${this.insertColumns.map((_, i) => this.parameter(i)).join(', ')})`;
  }

  /** Inserts one row with every column of the entity (a missing value is NULL). */
  async insert(entity: T, manager?: EntityManager): Promise<void> {
    await (manager ?? this.repository.manager).query(
      this.insertSql,
      this.insertColumns.map((c) => this.value(c, c.getEntityValue(entity))),
    );
  }

  /**
   * Sets `changes` on the rows whose columns equal every value of `where` (a null: IS NULL);
   * how many rows changed. Undefined values are left out, as TypeORM does.
   */
  async update(where: Partial<T>, changes: Partial<T>, manager?: EntityManager): Promise<number> {
    const set = this.columnsOf(changes, this.settable, 'set');
    const match = this.columnsOf(where, this.matchable, 'match on');
    const parameters: unknown[] = [];
    const next = (value: unknown) => this.parameter(parameters.push(value) - 1);
    const assignments = set.map(
      (c) => `${this.name(c)} = ${next(this.value(c, c.getEntityValue(changes)))}`,
    );
    const conditions = match.map((c) => {
      const value: unknown = c.getEntityValue(where);
      return value === null
        ? `${this.name(c)} IS NULL`
        : `${this.name(c)} = ${next(this.value(c, value))}`;
    });
    const sql = `UPDATE ${this.table()} SET ${assignments.join(', ')} WHERE ${conditions.join(' AND ')}`;
    // The caller's transaction when there is one; else a connection of the pool's, for this
    // statement (EntityManager.query does not say how many rows changed).
    const transaction: QueryRunner | undefined = manager?.queryRunner;
    const runner =
      transaction ?? (manager ?? this.repository.manager).connection.createQueryRunner();
    try {
      const result = await runner.query(sql, parameters, true);
      return result.affected ?? 0;
    } finally {
      if (!transaction) await runner.release();
    }
  }

  /** The columns of `properties`, or an error that names the one the entity does not have. */
  private columnsNamed(
    properties: ReadonlyArray<keyof T & string>,
    role: string,
  ): Map<string, ColumnMetadata> {
    const metadata = this.repository.metadata;
    const columns = new Map<string, ColumnMetadata>();
    for (const property of properties) {
      const column = metadata.findColumnWithPropertyName(property);
      if (!column)
        throw new Error(
          `PlainWrites(${metadata.name}): told to ${role} "${property}", which is no column of ` +
            `the entity (its columns: ${metadata.columns.map((c) => c.propertyName).join(', ')})`,
        );
      columns.set(property, column);
    }
    return columns;
  }

  /** The columns named in `values` with a value; a property it was not made for is an error, not skipped. */
  private columnsOf(
    values: Partial<T>,
    allowed: Map<string, ColumnMetadata>,
    role: string,
  ): ColumnMetadata[] {
    const columns: ColumnMetadata[] = [];
    for (const [property, value] of Object.entries(values)) {
      if (value === undefined) continue;
      const column = allowed.get(property);
      if (!column)
        throw new Error(
          `PlainWrites(${this.repository.metadata.name}): "${property}" is not among the columns it was made to ${role}`,
        );
      columns.push(column);
    }
    if (columns.length === 0) throw new Error(`PlainWrites: no column to ${role}`);
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
