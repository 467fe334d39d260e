import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { EncryptionService } from '../../../common/crypto/encryption.service.js';
import { MemoryTokenStore } from './memory-token-store.js';
import { RedisTokenStore } from './redis-token-store.js';
import type { NewToken, TokenStore } from './token-store.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function newToken(overrides: Partial<NewToken> = {}): NewToken {
  const accessToken = `eyJ.${randomBytes(16).toString('hex')}.sig`;
  return {
    accessToken,
    credentialVersion: 1,
    mintedAt: 1_000,
    expiresAt: 3_601_000,
    fingerprint: randomBytes(6).toString('hex'),
    reason: 'cold',
    ...overrides,
  };
}

const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
const encryption = new EncryptionService(randomBytes(32));
const key = `zg-test-${randomBytes(6).toString('hex')}:zoom-token`;

beforeAll(async () => {
  // A missing Redis is a failure, never a skip.
  await redis.connect();
});

afterAll(async () => {
  await redis.del(key);
  redis.disconnect();
});

describe.each([
  ['MemoryTokenStore', () => new MemoryTokenStore()],
  [
    'RedisTokenStore',
    () => {
      void redis.del(key);
      return new RedisTokenStore(redis, key, encryption);
    },
  ],
] as const)('%s', (_name, create) => {
  let store: TokenStore;

  beforeEach(async () => {
    store = create();
    await redis.del(key);
  });

  it('writes the first token at generation 1 and reads it back whole', async () => {
    const token = newToken();
    await expect(store.write(token, 0)).resolves.toEqual({ written: true, generation: 1 });
    await expect(store.read()).resolves.toEqual({
      generation: 1,
      credentialVersion: 1,
      token: { ...token, generation: 1 },
    });
  });

  it('refuses a write based on a stale generation so a late writer cannot overwrite a newer token', async () => {
    await store.write(newToken(), 0);
    const newer = newToken();
    await expect(store.write(newer, 1)).resolves.toEqual({ written: true, generation: 2 });
    await expect(store.write(newToken(), 1)).resolves.toEqual({
      written: false,
      reason: 'stale_generation',
    });
    await expect(store.read().then((s) => s.token?.fingerprint)).resolves.toBe(newer.fingerprint);
  });

  it('refuses a token of an older credential version than the newest seen', async () => {
    await store.write(newToken({ credentialVersion: 2 }), 0);
    await expect(store.write(newToken({ credentialVersion: 1 }), 1)).resolves.toEqual({
      written: false,
      reason: 'retired_credentials',
    });
  });

  it('deletes exactly the refused token and keeps the generation', async () => {
    const token = newToken();
    await store.write(token, 0);
    await expect(store.deleteIf(1, 'someone-else')).resolves.toBe(false);
    await expect(store.deleteIf(2, token.fingerprint)).resolves.toBe(false);
    await expect(store.deleteIf(1, token.fingerprint)).resolves.toBe(true);
    await expect(store.read()).resolves.toEqual({
      generation: 1,
      credentialVersion: 1,
      token: null,
    });
    await expect(store.write(newToken(), 1)).resolves.toEqual({ written: true, generation: 2 });
  });

  it('drops a token of a retired credential version and refuses to bring it back', async () => {
    await store.write(newToken({ credentialVersion: 1 }), 0);
    await store.retireBelow(2);
    await expect(store.read()).resolves.toEqual({
      generation: 1,
      credentialVersion: 2,
      token: null,
    });
    await expect(store.write(newToken({ credentialVersion: 1 }), 1)).resolves.toMatchObject({
      written: false,
    });
    await expect(store.write(newToken({ credentialVersion: 2 }), 1)).resolves.toEqual({
      written: true,
      generation: 2,
    });
  });
});

describe(RedisTokenStore.name, () => {
  it('keeps the token encrypted at rest, never in plaintext', async () => {
    await redis.del(key);
    const store = new RedisTokenStore(redis, key, encryption);
    const token = newToken();
    await store.write(token, 0);
    const raw = JSON.stringify(await redis.hgetall(key));
    expect(raw).not.toContain(token.accessToken);
    expect(raw).toContain(token.fingerprint);
  });

  it('treats a token sealed with another key as absent', async () => {
    await redis.del(key);
    await new RedisTokenStore(redis, key, new EncryptionService(randomBytes(32))).write(
      newToken(),
      0,
    );
    await expect(new RedisTokenStore(redis, key, encryption).read()).resolves.toMatchObject({
      generation: 1,
      token: null,
    });
  });
});
