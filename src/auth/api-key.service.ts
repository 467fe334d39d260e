import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { IsNull, type Repository } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { ApiKeyEntity } from './api-key.entity.js';

export interface Caller {
  name: string;
  admin: boolean;
}

interface KnownKey extends Caller {
  hash: Buffer;
}

function hashKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** Internal callers' API keys: from API_KEYS / ADMIN_API_KEYS, plus keys the gateway made (hashes only). */
@Injectable()
export class ApiKeyService implements OnModuleInit {
  private readonly logger = new Logger(ApiKeyService.name);
  private keys: KnownKey[] = [];

  constructor(
    private readonly config: AppConfig,
    @InjectRepository(ApiKeyEntity) private readonly repository: Repository<ApiKeyEntity>,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.reload();
    if (this.keys.length === 0) await this.generateFirstKey();
  }

  async reload(): Promise<void> {
    const stored = await this.repository.find({ where: { revokedAt: IsNull() } });
    this.keys = [
      ...this.config.apiKeys.map((k) => ({ name: k.name, admin: k.admin, hash: hashKey(k.key) })),
      ...stored.map((k) => ({ name: k.name, admin: k.admin, hash: Buffer.from(k.keyHash, 'hex') })),
    ];
  }

  /** Constant-time over every known key, so timing reveals neither which key nor how much matched. */
  authenticate(presented: string): Caller | null {
    const hash = hashKey(presented);
    let match: Caller | null = null;
    for (const key of this.keys) {
      if (timingSafeEqual(hash, key.hash) && match === null)
        match = { name: key.name, admin: key.admin };
    }
    return match;
  }

  /** Creates a key, stores its hash and returns the key once. */
  async create(name: string, admin: boolean): Promise<string> {
    const key = `zgw_${randomBytes(24).toString('base64url')}`;
    await this.repository.insert({
      name,
      keyHash: hashKey(key).toString('hex'),
      admin,
      revokedAt: null,
    });
    await this.reload();
    return key;
  }

  private async generateFirstKey(): Promise<void> {
    const key = await this.create('default', true);
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
