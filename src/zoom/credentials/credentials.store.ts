import { inTransaction } from '../../database/transaction.js';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, type EntityManager, type Repository } from 'typeorm';
import { Clock } from '../../common/clock.js';
import { EncryptionService, fingerprint } from '../../common/crypto/encryption.service.js';
import { DomainError, ErrorCode, errorMessage } from '../../common/errors/index.js';
import { AppConfig } from '../../config/app-config.js';
import { isUniqueViolation } from '../../common/errors/database-errors.js';
import {
  type CredentialEventKind,
  ZoomCredentialEventEntity,
} from './zoom-credential-event.entity.js';
import { type CredentialSource, ZoomCredentialEntity } from './zoom-credential.entity.js';
import type { ZoomCredentials } from './zoom-credentials.js';

/** pg_advisory_lock key for credential changes ("zoom-gateway credentials"); migrations use 720_461_918. */
const ROTATION_LOCK_KEY = 720_461_919;
const SQLITE_LOCK_TTL_MS = 180_000;

export interface StageInput {
  accountId: string;
  clientId: string;
  clientSecret: string;
  source: CredentialSource;
  actor: string;
}

export interface CredentialEventInput {
  version: number | null;
  event: CredentialEventKind;
  actor: string;
  fingerprint?: string | null;
  reason?: string | null;
}

/** sha256(clientId:clientSecret), first 12 hex: the one name of a version in logs, rows and answers. */
export function credentialFingerprint(clientId: string, clientSecret: string): string {
  return fingerprint(`${clientId}:${clientSecret}`);
}

export function secretAad(version: number): string {
  return `zoom-client-secret:${version}`;
}

/** A FIFO mutex with a deadline, so that one process never runs two credential changes at once. */
class Mutex {
  private locked = false;
  private readonly waiters: Array<() => void> = [];

  acquire(timeoutMs: number): Promise<() => void> {
    const release = () => this.release();
    if (!this.locked) {
      this.locked = true;
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const waiter = () => {
        clearTimeout(timer);
        resolve(release);
      };
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index !== -1) this.waiters.splice(index, 1);
        reject(rotationInProgress());
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  private release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.locked = false;
  }
}

function rotationInProgress(): DomainError {
  return new DomainError(
    ErrorCode.RotationInProgress,
    'Another credential rotation is in progress; try again when it has finished.',
  );
}

/**
 * The versioned credential records and their audit trail. Secrets enter and leave only
 * through here: encrypted on the way in, decrypted on the way out, wiped when a version is
 * refused or retired.
 */
@Injectable()
export class CredentialsStore {
  private readonly mutex = new Mutex();

  constructor(
    @InjectRepository(ZoomCredentialEntity)
    private readonly credentials: Repository<ZoomCredentialEntity>,
    @InjectRepository(ZoomCredentialEventEntity)
    private readonly events: Repository<ZoomCredentialEventEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly encryption: EncryptionService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /**
   * Runs `work` while no other credential change runs: in this process (a mutex) and, on
   * PostgreSQL, in the whole fleet and any CLI (a session advisory lock, released by the
   * database if the holder dies); on SQLite, across processes by a lock row.
   */
  async withRotationLock<T>(work: () => Promise<T>, waitMs = 30_000): Promise<T> {
    const deadline = this.clock.now() + waitMs;
    const release = await this.mutex.acquire(waitMs);
    try {
      if (this.dataSource.options.type !== 'postgres')
        return await this.withSqliteLock(work, deadline);
      const runner = this.dataSource.createQueryRunner();
      await runner.connect();
      try {
        for (;;) {
          const rows: Array<{ locked: boolean }> = await runner.query(
            'SELECT pg_try_advisory_lock($1) AS locked',
            [ROTATION_LOCK_KEY],
          );
          if (rows[0]?.locked) break;
          if (this.clock.now() >= deadline) throw rotationInProgress();
          await this.clock.sleep(100);
        }
        try {
          return await work();
        } finally {
          await runner
            .query('SELECT pg_advisory_unlock($1)', [ROTATION_LOCK_KEY])
            .catch(() => undefined);
        }
      } finally {
        await runner.release();
      }
    } finally {
      release();
    }
  }

  /**
   * SQLite: a lock row with an expiry, so a CLI beside the running gateway waits its turn. A
   * crashed holder's row expires; no rotation takes anywhere near SQLITE_LOCK_TTL_MS.
   */
  private async withSqliteLock<T>(work: () => Promise<T>, deadline: number): Promise<T> {
    const owner = `${this.config.replicaId}:${randomUUID()}`;
    for (;;) {
      const now = this.clock.now();
      await this.dataSource.query(
        `DELETE FROM zoom_credential_locks WHERE name = 'rotation' AND expires_at_ms < ?`,
        [now],
      );
      // OR IGNORE: a held lock is the normal case while waiting, not an error worth a log line.
      await this.dataSource.query(
        `INSERT OR IGNORE INTO zoom_credential_locks (name, owner, expires_at_ms) VALUES ('rotation', ?, ?)`,
        [owner, now + SQLITE_LOCK_TTL_MS],
      );
      const holder = await this.dataSource.query<Array<{ owner: string }>>(
        `SELECT owner FROM zoom_credential_locks WHERE name = 'rotation'`,
      );
      if (holder[0]?.owner === owner) break;
      if (this.clock.now() >= deadline) throw rotationInProgress();
      await this.clock.sleep(100);
    }
    try {
      return await work();
    } finally {
      await this.dataSource
        .query(`DELETE FROM zoom_credential_locks WHERE name = 'rotation' AND owner = ?`, [owner])
        .catch(() => undefined);
    }
  }

  findActive(): Promise<ZoomCredentialEntity | null> {
    return this.credentials.findOne({ where: { state: 'active' } });
  }

  /** The cheap poll: which version is active, without reading the ciphertext. */
  async activeVersion(): Promise<number | null> {
    const row = await this.credentials.findOne({
      where: { state: 'active' },
      select: { version: true },
    });
    return row?.version ?? null;
  }

  findVersion(version: number): Promise<ZoomCredentialEntity | null> {
    return this.credentials.findOne({ where: { version } });
  }

  all(): Promise<ZoomCredentialEntity[]> {
    return this.credentials.find({ order: { version: 'ASC' } });
  }

  recentEvents(limit = 50): Promise<ZoomCredentialEventEntity[]> {
    return this.events.find({ order: { id: 'DESC' }, take: limit });
  }

  /** The newest of: an automated rotation failure, an activation. Tells whether an alarm still stands. */
  lastRotationOutcome(): Promise<ZoomCredentialEventEntity | null> {
    return this.events.findOne({
      where: { event: In(['rotation_failed', 'activated']) },
      order: { id: 'DESC' },
    });
  }

  decrypt(row: ZoomCredentialEntity): ZoomCredentials {
    if (!row.secretCiphertext)
      throw new Error(`Credential version ${row.version} holds no secret (it is ${row.state})`);
    let clientSecret: string;
    try {
      clientSecret = this.encryption.decrypt(row.secretCiphertext, secretAad(row.version));
    } catch {
      throw new Error(
        `Cannot decrypt Zoom credential version ${row.version} (fingerprint ${row.fingerprint}): ` +
          'ENCRYPTION_KEY differs from the key it was stored with, or the row was altered',
      );
    }
    return {
      version: row.version,
      accountId: row.accountId,
      clientId: row.clientId,
      clientSecret,
      fingerprint: row.fingerprint,
    };
  }

  /** Stores a candidate as a new, unique version (encrypted) and audits it. */
  async stage(
    input: StageInput,
  ): Promise<{ row: ZoomCredentialEntity; credentials: ZoomCredentials }> {
    const print = credentialFingerprint(input.clientId, input.clientSecret);
    for (let attempt = 1; ; attempt++) {
      const version = (await this.maxVersion()) + 1;
      const row = this.credentials.create({
        version,
        accountId: input.accountId,
        clientId: input.clientId,
        secretCiphertext: this.encryption.encrypt(input.clientSecret, secretAad(version)),
        fingerprint: print,
        state: 'staged',
        source: input.source,
        createdBy: input.actor.slice(0, 64),
        createdAt: this.now(),
        activatedAt: null,
        retiredAt: null,
      });
      try {
        await this.credentials.insert(row);
      } catch (error) {
        // Another writer took this version number first (a CLI beside the fleet): take the next.
        if (attempt < 5 && isUniqueViolation(error)) continue;
        throw error;
      }
      await this.recordEvent({
        version,
        event: 'staged',
        actor: input.actor,
        fingerprint: print,
        reason: `source ${input.source}`,
      });
      return {
        row,
        credentials: {
          version,
          accountId: input.accountId,
          clientId: input.clientId,
          clientSecret: input.clientSecret,
          fingerprint: print,
        },
      };
    }
  }

  /**
   * Makes a staged version the active one and retires the previous one, in one transaction.
   * Versions only ever move forward: a version older than one already activated is refused, so
   * no replica can go back to a retired secret.
   */
  async activate(version: number, actor: string): Promise<ZoomCredentialEntity> {
    return inTransaction(this.dataSource, async (manager) => {
      const repository = manager.getRepository(ZoomCredentialEntity);
      const row = await repository.findOne({ where: { version } });
      if (row?.state !== 'staged') throw new Error(`Credential version ${version} is not staged`);
      const newest = await repository
        .createQueryBuilder('c')
        .select('MAX(c.version)', 'max')
        .where('c.state IN (:...states)', { states: ['active', 'retired'] })
        .getRawOne<{ max: number | string | null }>();
      if (newest?.max !== null && newest?.max !== undefined && Number(newest.max) > version) {
        throw new DomainError(
          ErrorCode.Conflict,
          `Credential version ${Number(newest.max)} was activated meanwhile; version ${version} is older and was not activated.`,
        );
      }
      const now = this.now();
      const previous = await repository.find({ where: { state: 'active' } });
      for (const old of previous) {
        await repository.update(
          { version: old.version },
          { state: 'retired', retiredAt: now, secretCiphertext: null },
        );
        await this.recordEvent(
          {
            version: old.version,
            event: 'retired',
            actor,
            fingerprint: old.fingerprint,
            reason: `replaced by version ${version}`,
          },
          manager,
        );
      }
      await repository.update({ version }, { state: 'active', activatedAt: now });
      await this.recordEvent(
        { version, event: 'activated', actor, fingerprint: row.fingerprint },
        manager,
      );
      row.state = 'active';
      row.activatedAt = now;
      return row;
    });
  }

  /** A candidate that will never be used: its secret is wiped and the reason audited. */
  async discard(
    version: number,
    outcome: 'rejected' | 'abandoned',
    actor: string,
    reason: string,
  ): Promise<void> {
    const row = await this.findVersion(version);
    await this.credentials.update(
      { version, state: 'staged' },
      { state: outcome, secretCiphertext: null },
    );
    await this.recordEvent({
      version,
      event: outcome,
      actor,
      fingerprint: row?.fingerprint ?? null,
      reason,
    });
  }

  async recordEvent(input: CredentialEventInput, manager?: EntityManager): Promise<void> {
    const repository = manager ? manager.getRepository(ZoomCredentialEventEntity) : this.events;
    await repository.insert({
      version: input.version,
      event: input.event,
      actor: input.actor.slice(0, 64),
      fingerprint: input.fingerprint ?? null,
      reason: input.reason ? input.reason.slice(0, 500) : null,
      replicaId: this.config.replicaId.slice(0, 128),
      createdAt: this.now(),
    });
  }

  private async maxVersion(): Promise<number> {
    const raw = await this.credentials
      .createQueryBuilder('c')
      .select('MAX(c.version)', 'max')
      .getRawOne<{ max: number | string | null }>();
    return raw?.max === null || raw?.max === undefined ? 0 : Number(raw.max);
  }

  private now(): Date {
    return new Date(this.clock.now());
  }
}

/** @deprecated Use errorMessage from src/common/errors; kept while other folders still import it. */
export const messageOf = errorMessage;
