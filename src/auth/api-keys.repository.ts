import { inTransaction } from '../database/transaction.js';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import {
  type EntityManager,
  IsNull,
  LessThanOrEqual,
  MoreThan,
  Or,
  type Repository,
} from 'typeorm';
import { ApiKeyEntity, ApiKeySecretEntity, ApiKeyUsageEntity } from './api-key.entity.js';

/** The columns of an app a change may write. */
export type AppChange = Partial<
  Pick<ApiKeyEntity, 'admin' | 'grants' | 'expiresAt' | 'revokedAt' | 'updatedAt'>
>;

/**
 * The `api_keys`, `api_key_secrets` and `api_key_usage` tables: the only place in auth/ that
 * speaks TypeORM. A write given an EntityManager joins that transaction (see `transaction`), so
 * a change to keys and its audit row are written together or not at all.
 */
@Injectable()
export class ApiKeysRepository {
  constructor(
    @InjectRepository(ApiKeyEntity) private readonly apps: Repository<ApiKeyEntity>,
    @InjectRepository(ApiKeySecretEntity) private readonly secrets: Repository<ApiKeySecretEntity>,
    @InjectRepository(ApiKeyUsageEntity) private readonly usage: Repository<ApiKeyUsageEntity>,
  ) {}

  /** Runs `work` in one transaction; pass its manager to the writes (and to AuditService.record). */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return inTransaction(this.apps.manager.connection, work);
  }

  // ------------------------------------------------------------ reads

  countApps(): Promise<number> {
    return this.apps.count();
  }

  /**
   * Every write to an app or its keys moves `updated_at`, a new app the apps' count and a new
   * key (made or rotated) the keys' count: one cheap query. The counts do not depend on the
   * writing replica's clock, so a new key is seen even when that clock runs behind this one's.
   */
  async fingerprint(): Promise<string> {
    const row = await this.apps
      .createQueryBuilder('k')
      .select('COUNT(*)', 'n')
      .addSelect('MAX(k.updated_at)', 'at')
      .addSelect((keys) => keys.select('COUNT(*)').from(ApiKeySecretEntity, 's'), 'secrets')
      .getRawOne<{ n: unknown; at: unknown; secrets: unknown }>();
    const at = row?.at instanceof Date ? row.at.getTime() : row?.at;
    return `${String(row?.n)}/${String(row?.secrets)}@${String(at)}`;
  }

  /** Every app and every key, in no particular order. */
  async everything(): Promise<{ apps: ApiKeyEntity[]; secrets: ApiKeySecretEntity[] }> {
    const [apps, secrets] = await Promise.all([this.apps.find(), this.secrets.find()]);
    return { apps, secrets };
  }

  /** Every app by name, and every key oldest first: the admin API's list. */
  async listed(): Promise<{ apps: ApiKeyEntity[]; secrets: ApiKeySecretEntity[] }> {
    const [apps, secrets] = await Promise.all([
      this.apps.find({ order: { name: 'ASC' } }),
      this.secrets.find({ order: { createdAt: 'ASC' } }),
    ]);
    return { apps, secrets };
  }

  /** An app, locked for the rest of the transaction on PostgreSQL (SQLite's writer lock serialises). */
  findAppForUpdate(name: string, manager: EntityManager): Promise<ApiKeyEntity | null> {
    const locking = manager.connection.options.type === 'postgres';
    return manager.findOne(ApiKeyEntity, {
      where: { name },
      ...(locking ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
  }

  secretsOf(name: string, manager: EntityManager): Promise<ApiKeySecretEntity[]> {
    return manager.find(ApiKeySecretEntity, { where: { name } });
  }

  // ------------------------------------------------------------ writes

  /** A new app with its first key. */
  async insertApp(
    app: ApiKeyEntity,
    secret: ApiKeySecretEntity,
    manager: EntityManager,
  ): Promise<void> {
    await manager.insert(ApiKeyEntity, app);
    await manager.insert(ApiKeySecretEntity, secret);
  }

  async insertSecret(secret: ApiKeySecretEntity, manager: EntityManager): Promise<void> {
    await manager.insert(ApiKeySecretEntity, secret);
  }

  async updateApp(name: string, change: AppChange, manager: EntityManager): Promise<void> {
    await manager.update(ApiKeyEntity, { name }, change);
  }

  /**
   * The app's keys that would work past `retiresAt` (no end yet, or a later one) now end then;
   * how many (null when the database does not say).
   */
  async retireSecrets(
    name: string,
    retiresAt: Date,
    manager: EntityManager,
  ): Promise<number | null> {
    const result = await manager.update(
      ApiKeySecretEntity,
      { name, retiresAt: Or(IsNull(), MoreThan(retiresAt)) },
      { retiresAt },
    );
    return result.affected ?? null;
  }

  /** Forgets the app's keys that stopped working at or before `cutoff`. */
  async deleteSecretsRetiredBy(name: string, cutoff: Date, manager: EntityManager): Promise<void> {
    await manager.delete(ApiKeySecretEntity, { name, retiresAt: LessThanOrEqual(cutoff) });
  }

  // ------------------------------------------------------------ api_key_usage

  lastUses(): Promise<ApiKeyUsageEntity[]> {
    return this.usage.find();
  }

  /** The app's last use is `at`, unless a later one is already written. */
  async recordUse(name: string, at: Date): Promise<void> {
    await this.usage
      .createQueryBuilder()
      .insert()
      .values({ name, lastUsedAt: at })
      .orIgnore()
      .execute();
    await this.usage
      .createQueryBuilder()
      .update()
      .set({ lastUsedAt: at })
      .where('name = :name AND last_used_at < :at', { name, at })
      .execute();
  }
}
