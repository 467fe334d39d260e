import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AppConfig } from '../config/app-config.js';
import { ConfigError } from '../config/app-config.js';

/**
 * The embedded default needs no set-up: without ENCRYPTION_KEY a key is generated once into
 * the data directory (owner-only) and reused on every later start. The caller puts the key
 * into the configuration with `withProvisioned`.
 */
export function provisionEncryptionKey(config: AppConfig): {
  key: Buffer;
  source: 'environment' | 'generated' | 'file';
} {
  if (config.encryptionKey) return { key: config.encryptionKey, source: 'environment' };
  const path = resolve(join(config.dataDir, 'encryption.key'));
  if (existsSync(path)) {
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    if (key.length !== 32)
      throw new ConfigError('ENCRYPTION_KEY', `file ${path} does not hold 32 bytes of base64`);
    return { key, source: 'file' };
  }
  mkdirSync(config.dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return { key, source: 'generated' };
}
