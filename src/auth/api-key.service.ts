import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnModuleInit,
} from '@nestjs/common';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Clock } from '../common/clock.js';
import { DomainError, ErrorCode, errorMessage } from '../common/errors/index.js';
import { AppConfig } from '../config/app-config.js';
import { JobsService } from '../coordination/jobs.service.js';
import { PubSubService } from '../coordination/pubsub.service.js';
import type { AuthenticatedCaller } from '../access/caller.js';
import type { ApiKeyEntity } from './api-key.entity.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeyUsage } from './api-key-usage.js';
import { ADMIN_GRANTS, DEFAULT_APP_GRANTS, type Grants, parseGrants } from '../config/grants.js';

export type KeySource = 'environment' | 'database';

/** One key this replica knows, as its hash, with what decides whether it is honoured now. */
interface KnownKey {
  hash: Buffer;
  caller: AuthenticatedCaller;
  source: KeySource;
  expiresAt: Date | null;
  retiresAt: Date | null;
  revokedAt: Date | null;
}

export type Authentication = { caller: AuthenticatedCaller } | { refusal: string; unknown?: true };

/** Announced (Redis pub/sub) after every change to keys; replicas reload at once. */
export const API_KEYS_CHANNEL = 'api-keys.changed';
/** The fallback when an announcement is lost: each replica looks for changes this often. */
export const API_KEYS_POLL_MS = 1_000;
/** Unknown keys check the store at most this often: a flood of made-up keys costs ten queries a second. */
export const UNKNOWN_KEY_CHECK_SPACING_MS = 100;

export function hashKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** A new key: 32 random bytes, with a prefix that secret scanners can recognise. */
export function generateKey(): string {
  return `zgw_${randomBytes(32).toString('base64url')}`;
}

/** Whether a presented key has the shape of one `generateKey` makes (so may be stored). */
export function isGeneratedKeyShape(key: string): boolean {
  return /^zgw_[A-Za-z0-9_-]{43}$/.test(key);
}

/**
 * `work` for callers who each need a run that began after they asked (a read that sees their
 * write): concurrent calls share one run, and a call made during a run is answered when one
 * more run, started after that one, ends.
 */
function runAfterEachCall(work: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await work();
        } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  };
}

/** The grants of a stored app: its own text, else the defaults for its admin flag. */
export function grantsOfRow(row: Pick<ApiKeyEntity, 'grants' | 'admin'>): Grants {
  if (row.grants === null) return row.admin ? ADMIN_GRANTS : DEFAULT_APP_GRANTS;
  return parseGrants(row.grants, { admin: row.admin });
}

/**
 * Who may call: keys from API_KEYS / ADMIN_API_KEYS and the keys the gateway made (hashes only),
 * held in memory so a request costs one hash and no I/O. Any change is announced to the fleet
 * and every replica also polls for changes each second, so a revoked key is refused everywhere
 * within that. Expiry and a rotation's overlap are checked against the clock on each request.
 */
@Injectable()
export class ApiKeyService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(ApiKeyService.name);
  private keys: KnownKey[] = [];
  private fingerprint: string | undefined;
  private readonly rereadKeys = runAfterEachCall(() => this.readKeys());
  private readonly recheckStore = runAfterEachCall(() => this.checkForChanges());
  private lastCheckAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly config: AppConfig,
    private readonly store: ApiKeysRepository,
    private readonly clock: Clock,
    private readonly pubsub: PubSubService,
    private readonly jobs: JobsService,
    private readonly usage: ApiKeyUsage,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.reload();
    if (this.keys.length === 0 && (await this.store.countApps()) === 0)
      await this.generateFirstKey();
    await this.pubsub.subscribe(API_KEYS_CHANNEL, () => void this.reload().catch(() => undefined));
    this.jobs.every('api-keys.poll', API_KEYS_POLL_MS, () => this.pollForChanges());
    this.jobs.every('api-keys.last-used', ApiKeyUsage.FLUSH_INTERVAL_MS, () => this.usage.flush());
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.usage.flush().catch((error: unknown) => {
      this.logger.warn(`Could not write the keys' last use: ${errorMessage(error)}`);
    });
  }

  /** Re-reads the stored keys; concurrent calls share one read and a call during a read reads again after it. */
  reload(): Promise<void> {
    return this.rereadKeys();
  }

  /** After a change on this replica: reload here, then tell the others. */
  async changed(): Promise<void> {
    await this.reload();
    await this.pubsub.publish(API_KEYS_CHANNEL, String(this.clock.now()));
  }

  /**
   * The caller an `Authorization: Bearer <api key>` header names, or the 401 that says why not.
   * A key made a moment ago on another replica may not have reached this one yet (the
   * announcement is on its way): an unknown key of the gateway's own shape waits for one check
   * of the store that began after it arrived, so a caller can use a new key at once, anywhere.
   */
  async callerFor(authorization: string | undefined): Promise<AuthenticatedCaller> {
    const match = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) {
      throw new DomainError(
        ErrorCode.Unauthorized,
        'Missing API key: send Authorization: Bearer <api key>.',
      );
    }
    const presented = match[1] ?? '';
    let result = this.authenticate(presented);
    if ('unknown' in result && isGeneratedKeyShape(presented)) {
      await this.recheckStore();
      result = this.authenticate(presented);
    }
    if ('refusal' in result) throw new DomainError(ErrorCode.Unauthorized, result.refusal);
    return result.caller;
  }

  /**
   * Constant-time over every known key, so timing reveals neither which key nor how much
   * matched; then whether the key is honoured now (expiry, rotation overlap, revocation).
   */
  authenticate(presented: string): Authentication {
    const hash = hashKey(presented);
    let match: KnownKey | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(hash, key.hash) && match === undefined) match = key;
    }
    if (!match) return { refusal: 'Invalid API key.', unknown: true };
    const now = this.clock.now();
    if (match.revokedAt) return { refusal: `API key revoked at ${match.revokedAt.toISOString()}.` };
    if (match.expiresAt && match.expiresAt.getTime() <= now)
      return {
        refusal: `API key expired at ${match.expiresAt.toISOString()}; ask an admin for a new one.`,
      };
    if (match.retiresAt && match.retiresAt.getTime() <= now)
      return {
        refusal: `API key was replaced by a rotation and stopped working at ${match.retiresAt.toISOString()}; use the new key.`,
      };
    this.usage.touch(match.caller.name);
    return { caller: match.caller };
  }

  /** The app of this name while one of its keys is honoured (what it receives is bounded by its grants). */
  callerNamed(name: string): AuthenticatedCaller | undefined {
    const now = this.clock.now();
    const live = this.keys.find(
      (key) =>
        key.caller.name === name &&
        !key.revokedAt &&
        !(key.expiresAt && key.expiresAt.getTime() <= now) &&
        !(key.retiresAt && key.retiresAt.getTime() <= now),
    );
    return live?.caller;
  }

  /** Whether a name belongs to an app of the environment (API_KEYS / ADMIN_API_KEYS). */
  isEnvironmentApp(name: string): boolean {
    return this.config.apiKeys.some((entry) => entry.name === name);
  }

  private async pollForChanges(): Promise<void> {
    if ((await this.store.fingerprint()) !== this.fingerprint) await this.reload();
  }

  /**
   * One check for changes (shared by the unknown keys that arrive while it runs, so however
   * many cost at most one query at a time), at least UNKNOWN_KEY_CHECK_SPACING_MS after the
   * last. A store that fails (or passes the database's query deadline) ends the wait; the key is
   * then refused as unknown.
   */
  private async checkForChanges(): Promise<void> {
    try {
      const spacing = this.lastCheckAt + UNKNOWN_KEY_CHECK_SPACING_MS - this.clock.now();
      // Capped: a wall clock stepped back must not hold unknown keys for the size of the step.
      if (spacing > 0) await this.clock.sleep(Math.min(spacing, UNKNOWN_KEY_CHECK_SPACING_MS));
      this.lastCheckAt = this.clock.now();
      await this.pollForChanges();
    } catch {
      // Refused as unknown, as without the check.
    }
  }

  private async readKeys(): Promise<void> {
    // Read before the keys: a change landing in between shows up as a new fingerprint next poll.
    const fingerprint = await this.store.fingerprint();
    const { apps, secrets } = await this.store.everything();
    const byName = new Map<string, { app: ApiKeyEntity; grants: Grants }>();
    for (const app of apps) {
      try {
        byName.set(app.name, { app, grants: grantsOfRow(app) });
      } catch (error) {
        // Only the admin API and the CLI write grants, both through the parser: a row that no
        // longer parses is refused (no grants) rather than stopping every replica.
        this.logger.error(`API key ${app.name}: stored grants unreadable (${errorMessage(error)})`);
      }
    }
    const stored: KnownKey[] = secrets.flatMap((secret) => {
      const owner = byName.get(secret.name);
      if (!owner) return [];
      return [
        {
          hash: Buffer.from(secret.keyHash, 'hex'),
          caller: { name: owner.app.name, admin: owner.app.admin, grants: owner.grants },
          source: 'database' as const,
          expiresAt: owner.app.expiresAt,
          retiresAt: secret.retiresAt,
          revokedAt: owner.app.revokedAt,
        },
      ];
    });
    const environment: KnownKey[] = this.config.apiKeys.map((entry) => ({
      hash: hashKey(entry.key),
      caller: { name: entry.name, admin: entry.admin, grants: entry.grants },
      source: 'environment',
      expiresAt: null,
      retiresAt: null,
      revokedAt: null,
    }));
    this.keys = [...environment, ...stored];
    this.fingerprint = fingerprint;
  }

  private async generateFirstKey(): Promise<void> {
    const key = generateKey();
    const now = new Date(this.clock.now());
    await this.store.transaction((manager) =>
      this.store.insertApp(
        {
          name: 'default',
          admin: true,
          grants: null,
          createdAt: now,
          createdBy: 'embedded-default',
          updatedAt: now,
          expiresAt: null,
          revokedAt: null,
        },
        { keyHash: hashKey(key).toString('hex'), name: 'default', createdAt: now, retiresAt: null },
        manager,
      ),
    );
    await this.reload();
    mkdirSync(this.config.dataDir, { recursive: true });
    const path = resolve(join(this.config.dataDir, 'api-key'));
    writeFileSync(path, `${key}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
    this.logger.warn(
      `No API_KEYS configured: generated an admin API key named "default" and wrote it to ${path} (owner-only). ` +
        `Use it as: Authorization: Bearer $(cat ${path})`,
    );
  }
}
