import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditAction, AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { DomainError, ErrorCode, isUniqueViolation } from '../common/errors/index.js';
import { AppConfig } from '../config/app-config.js';
import type { ApiKeyEntity, ApiKeySecretEntity } from './api-key.entity.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import {
  ApiKeyService,
  generateKey,
  grantsOfRow,
  hashKey,
  type KeySource,
} from './api-key.service.js';
import { ApiKeyUsage } from './api-key-usage.js';
import type { CreateKeyInput, RotateKeyInput, UpdateKeyInput } from './api-keys.validation.js';
import { DEFAULT_APP_GRANTS, formatGrants, type Grants } from '../config/grants.js';

/** An app's keys as the admin API shows them: never a key, never a hash. */
export interface ApiKeyView {
  name: string;
  source: KeySource;
  admin: boolean;
  grants: string;
  createdAt: string | null;
  createdBy: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  /** Its keys: more than one while a rotation's overlap runs. */
  keys: Array<{ createdAt: string | null; retiresAt: string | null }>;
}

/** A key just made: the only time it is shown. */
export interface IssuedKey extends ApiKeyView {
  key: string;
}

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

/**
 * Making, listing, rotating, changing and revoking keys at run time: each change and its audit
 * row are one transaction, then the fleet is told (pub/sub, with polling behind it). Apps from
 * the environment are read-only here: the environment would bring them back at the next start.
 */
@Injectable()
export class ApiKeyLifecycleService {
  constructor(
    private readonly config: AppConfig,
    private readonly store: ApiKeysRepository,
    private readonly registry: ApiKeyService,
    private readonly usage: ApiKeyUsage,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async create(actor: string, input: CreateKeyInput): Promise<IssuedKey> {
    if (this.registry.isEnvironmentApp(input.name))
      throw new DomainError(
        ErrorCode.Conflict,
        `An app named ${input.name} comes from API_KEYS or ADMIN_API_KEYS; choose another name.`,
      );
    const grants = input.grants ?? DEFAULT_APP_GRANTS;
    const key = generateKey();
    const now = this.now();
    const app: ApiKeyEntity = {
      name: input.name,
      admin: grants.admin,
      grants: formatGrants(grants),
      createdAt: now,
      createdBy: actor,
      updatedAt: now,
      expiresAt: input.expiresAt ?? null,
      revokedAt: null,
    };
    const secret: ApiKeySecretEntity = {
      keyHash: hashKey(key).toString('hex'),
      name: input.name,
      createdAt: now,
      retiresAt: null,
    };
    try {
      await this.store.transaction(async (manager) => {
        await this.store.insertApp(app, secret, manager);
        await this.audit.record(
          {
            actor,
            action: AuditAction.ApiKeyCreated,
            target: input.name,
            details: { grants: app.grants, expiresAt: iso(app.expiresAt) },
          },
          manager,
        );
      });
    } catch (error) {
      if (isUniqueViolation(error))
        throw new DomainError(
          ErrorCode.Conflict,
          `An app named ${input.name} exists or existed; names are never reused (its meetings stay its own).`,
        );
      throw error;
    }
    await this.registry.changed();
    return { ...this.view(app, [secret], null), key };
  }

  async list(): Promise<ApiKeyView[]> {
    const [{ apps, secrets }, lastUsed] = await Promise.all([
      this.store.listed(),
      this.usage.lastUsed(),
    ]);
    const fromEnvironment = new Map<string, { admin: boolean; grants: Grants; count: number }>();
    for (const entry of this.config.apiKeys) {
      const known = fromEnvironment.get(entry.name);
      fromEnvironment.set(entry.name, {
        admin: entry.admin,
        grants: entry.grants,
        count: (known?.count ?? 0) + 1,
      });
    }
    const environment: ApiKeyView[] = [...fromEnvironment].map(([name, app]) => ({
      name,
      source: 'environment',
      admin: app.admin,
      grants: formatGrants(app.grants),
      createdAt: null,
      createdBy: null,
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: iso(lastUsed.get(name)),
      keys: Array.from({ length: app.count }, () => ({ createdAt: null, retiresAt: null })),
    }));
    const stored = apps.map((app) =>
      this.view(
        app,
        secrets.filter((s) => s.name === app.name),
        lastUsed.get(app.name) ?? null,
      ),
    );
    return [...environment, ...stored].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Refused on every replica within 2 s. Revoking a revoked app changes nothing and answers the same. */
  async revoke(actor: string, name: string): Promise<void> {
    await this.change(name, async (app, manager) => {
      if (app.revokedAt) return false;
      const now = this.now();
      await this.store.updateApp(name, { revokedAt: now, updatedAt: now }, manager);
      await this.audit.record({ actor, action: AuditAction.ApiKeyRevoked, target: name }, manager);
      return true;
    });
  }

  /** A new key for the app; its other live keys keep working for `overlapSeconds`, then are refused. */
  async rotate(actor: string, name: string, input: RotateKeyInput): Promise<IssuedKey> {
    const key = generateKey();
    let issued: ApiKeyView | undefined;
    await this.change(name, async (app, manager) => {
      if (app.revokedAt)
        throw new DomainError(
          ErrorCode.Conflict,
          `The app ${name} is revoked; make a new app instead.`,
        );
      const now = this.now();
      const retiresAt = new Date(now.getTime() + input.overlapSeconds * 1_000);
      const retired = await this.store.retireSecrets(name, retiresAt, manager);
      await this.store.insertSecret(
        { keyHash: hashKey(key).toString('hex'), name, createdAt: now, retiresAt: null },
        manager,
      );
      const expiresAt = input.expiresAt === undefined ? app.expiresAt : input.expiresAt;
      await this.store.updateApp(name, { updatedAt: now, expiresAt }, manager);
      // Keys long past their overlap are of no use to anyone: forgotten here.
      await this.store.deleteSecretsRetiredBy(name, new Date(now.getTime() - 86_400_000), manager);
      await this.audit.record(
        {
          actor,
          action: AuditAction.ApiKeyRotated,
          target: name,
          details: {
            overlapSeconds: input.overlapSeconds,
            oldKeysRetireAt: retiresAt.toISOString(),
            oldKeys: retired,
            expiresAt: iso(expiresAt),
          },
        },
        manager,
      );
      const secrets = await this.store.secretsOf(name, manager);
      issued = this.view(Object.assign(app, { expiresAt, updatedAt: now }), secrets, null);
      return true;
    });
    if (!issued) throw new Error('rotation ended without an answer');
    return { ...issued, key };
  }

  /** Grants and/or expiry of an app made at run time. */
  async update(actor: string, name: string, input: UpdateKeyInput): Promise<ApiKeyView> {
    let updated: ApiKeyView | undefined;
    await this.change(name, async (app, manager) => {
      if (app.revokedAt)
        throw new DomainError(
          ErrorCode.Conflict,
          `The app ${name} is revoked; make a new app instead.`,
        );
      const grantsBefore = formatGrants(grantsOfRow(app));
      const grants = input.grants ? formatGrants(input.grants) : app.grants;
      const before = { expiresAt: app.expiresAt };
      const next = Object.assign(app, {
        grants,
        admin: input.grants ? input.grants.admin : app.admin,
        expiresAt: input.expiresAt === undefined ? app.expiresAt : input.expiresAt,
        updatedAt: this.now(),
      });
      await this.store.updateApp(
        name,
        {
          grants: next.grants,
          admin: next.admin,
          expiresAt: next.expiresAt,
          updatedAt: next.updatedAt,
        },
        manager,
      );
      await this.audit.record(
        {
          actor,
          action: AuditAction.ApiKeyUpdated,
          target: name,
          details: {
            grants: { before: grantsBefore, after: formatGrants(grantsOfRow(next)) },
            expiresAt: { before: iso(before.expiresAt), after: iso(next.expiresAt) },
          },
        },
        manager,
      );
      updated = this.view(next, await this.store.secretsOf(name, manager), null);
      return true;
    });
    if (!updated) throw new Error('update ended without an answer');
    return updated;
  }

  /** One app's change in a transaction (row locked on PostgreSQL); the fleet is told when something changed. */
  private async change(
    name: string,
    work: (app: ApiKeyEntity, manager: EntityManager) => Promise<boolean>,
  ): Promise<void> {
    if (this.registry.isEnvironmentApp(name))
      throw new DomainError(
        ErrorCode.Conflict,
        `The app ${name} comes from API_KEYS or ADMIN_API_KEYS: change it there (and restart), not through the API.`,
      );
    const changed = await this.store.transaction(async (manager) => {
      const app = await this.store.findAppForUpdate(name, manager);
      if (!app) throw DomainError.notFound(`No API key named ${name}.`);
      return work(app, manager);
    });
    if (changed) await this.registry.changed();
  }

  private view(
    app: ApiKeyEntity,
    secrets: ApiKeySecretEntity[],
    lastUsed: Date | null,
  ): ApiKeyView {
    let grants: string;
    try {
      grants = formatGrants(grantsOfRow(app));
    } catch {
      // Refused by every replica (see ApiKeyService); shown as stored so an operator can fix it.
      grants = app.grants ?? '';
    }
    return {
      name: app.name,
      source: 'database',
      admin: app.admin,
      grants,
      createdAt: iso(app.createdAt),
      createdBy: app.createdBy,
      expiresAt: iso(app.expiresAt),
      revokedAt: iso(app.revokedAt),
      lastUsedAt: iso(lastUsed),
      keys: secrets.map((s) => ({ createdAt: iso(s.createdAt), retiresAt: iso(s.retiresAt) })),
    };
  }

  private now(): Date {
    return new Date(this.clock.now());
  }
}
