import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Client } from 'pg';

export const POSTGRES_ADMIN_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_TEST_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Throws (never skips) when a service a test needs is down: in CI a missing service is a
 * failure. Locally the message says how to start it.
 */
async function reachable(name: string, probe: () => Promise<unknown>, hint: string): Promise<void> {
  try {
    await probe();
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`${name} is not reachable (${why}). ${hint}`, { cause: error });
  }
}

/** A fresh PostgreSQL database for one test file; drop() removes it. */
export async function createPostgresDatabase(): Promise<{
  url: string;
  name: string;
  drop(): Promise<void>;
}> {
  const name = `zg_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: POSTGRES_ADMIN_URL });
  await reachable(
    'PostgreSQL',
    () => admin.connect(),
    'Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  );
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** A Redis key prefix of its own for one test, so parallel tests never share state; cleanup() deletes its keys. */
export async function createRedisNamespace(): Promise<{
  url: string;
  prefix: string;
  client: Redis;
  cleanup(): Promise<void>;
}> {
  const prefix = `zg-test-${randomBytes(6).toString('hex')}:`;
  const client = new Redis(REDIS_TEST_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
  });
  await reachable(
    'Redis',
    () => client.connect(),
    'Start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
  );
  return {
    url: REDIS_TEST_URL,
    prefix,
    client,
    async cleanup() {
      const keys = await client.keys(`${prefix}*`);
      if (keys.length) await client.del(...keys);
      client.disconnect();
    },
  };
}

/** A random 32-byte ENCRYPTION_KEY in base64. */
export function testEncryptionKey(): string {
  return randomBytes(32).toString('base64');
}
