import {
  createPostgresDatabase,
  createRedisNamespace,
  testEncryptionKey,
} from '../../test/support/services.js';
import {
  benchApiKey,
  type GatewayOptions,
  type GatewayProcess,
  startGateway,
} from './processes.js';

export interface Fleet {
  gateways: GatewayProcess[];
  /** the fleet's Redis key prefix: every key it writes starts with it */
  redisPrefix: string;
  /** the fleet's PostgreSQL database (migrated once a gateway is ready) */
  databaseUrl: string;
  apiKey: string;
  headers: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * `count` gateway processes in production shape: one fresh PostgreSQL database and one Redis
 * key prefix of their own (so each fleet starts cold), started in parallel.
 */
export async function startFleet(
  name: string,
  count: number,
  simulatorUrl: string,
  env: Record<string, string> = {},
  entry: GatewayOptions['entry'] = 'shipped',
  execArgv: string[] = [],
  /** false: no REDIS_URL (single instance, in-process governor and token store) */
  withRedis = true,
): Promise<Fleet> {
  const database = await createPostgresDatabase();
  const redis = await createRedisNamespace();
  const apiKey = benchApiKey();
  const encryptionKey = testEncryptionKey();
  const started = await Promise.allSettled(
    Array.from({ length: count }, (_, i) =>
      startGateway(`${name}-${i + 1}`, {
        simulatorUrl,
        databaseUrl: database.url,
        ...(withRedis ? { redisUrl: redis.url, redisKeyPrefix: redis.prefix } : {}),
        encryptionKey,
        apiKey,
        env,
        entry,
        execArgv,
      }),
    ),
  );
  const gateways = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await redis.cleanup();
    await database.drop().catch(() => undefined);
  };
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return {
    gateways,
    redisPrefix: redis.prefix,
    databaseUrl: database.url,
    apiKey,
    headers: { Authorization: `Bearer ${apiKey}` },
    stop,
  };
}
