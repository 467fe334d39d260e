// A fleet of built gateway replicas sharing a fresh PostgreSQL database and Redis namespace, in
// front of an in-test Zoom simulator: the set-up and tear-down every e2e file repeats.
import { z } from 'zod';
import { SIM_DEFAULTS, type ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { type GatewayCall, meetingIdOf } from './gateway-client.js';
import { type GatewayProcess, json, startGateway } from './gateway-process.js';
import { createPostgresDatabase, createRedisNamespace, testEncryptionKey } from './services.js';

export interface ZoomCredentials {
  accountId: string;
  clientId: string;
  clientSecret: string;
}

export interface FleetEnvOptions {
  simulator: Pick<ZoomSimulator, 'baseUrl' | 'apiBaseUrl'>;
  database: { url: string };
  redis: { url: string; prefix: string };
  /** name → key (API_KEYS). */
  apiKeys: Record<string, string>;
  /** name → key (ADMIN_API_KEYS); none when absent. */
  adminKeys?: Record<string, string>;
  /** The app's credentials at Zoom; the simulator's defaults when absent. */
  credentials?: ZoomCredentials;
  logLevel?: 'info' | 'warn';
  /** Further variables; they win over the ones above. */
  extra?: Record<string, string>;
}

const keyList = (keys: Record<string, string>) =>
  Object.entries(keys)
    .map(([name, key]) => `${name}:${key}`)
    .join(',');

/** The environment of a gateway replica in a fleet: PostgreSQL, Redis, API keys and the simulator. */
export function fleetEnv(options: FleetEnvOptions): Record<string, string> {
  const credentials = options.credentials ?? SIM_DEFAULTS;
  return {
    DATABASE_URL: options.database.url,
    ENCRYPTION_KEY: testEncryptionKey(),
    REDIS_URL: options.redis.url,
    REDIS_KEY_PREFIX: options.redis.prefix,
    API_KEYS: keyList(options.apiKeys),
    ...(options.adminKeys ? { ADMIN_API_KEYS: keyList(options.adminKeys) } : {}),
    ZOOM_ACCOUNT_ID: credentials.accountId,
    ZOOM_CLIENT_ID: credentials.clientId,
    ZOOM_CLIENT_SECRET: credentials.clientSecret,
    ZOOM_OAUTH_BASE_URL: options.simulator.baseUrl,
    ZOOM_API_BASE_URL: options.simulator.apiBaseUrl,
    LOG_LEVEL: options.logLevel ?? 'info',
    ...options.extra,
  };
}

export interface StartOptions {
  /** Each replica waits for the previous one to be live (default: all start at once). */
  oneByOne?: boolean;
  timeoutMs?: number;
}

export class GatewayFleet {
  /** Every replica started and not taken out by the test, in start order. */
  readonly replicas: GatewayProcess[] = [];
  private readonly ids = new Map<GatewayProcess, string>();

  private constructor(
    readonly simulator: ZoomSimulator,
    readonly env: Record<string, string>,
    readonly database: Awaited<ReturnType<typeof createPostgresDatabase>>,
    readonly redis: Awaited<ReturnType<typeof createRedisNamespace>>,
  ) {}

  /**
   * Starts the simulator (if it is not listening yet) and creates the fleet's database and Redis
   * namespace; `redisUrl` points the replicas at another Redis server than the namespace's.
   */
  static async open(
    options: Omit<FleetEnvOptions, 'database' | 'redis'> & {
      simulator: ZoomSimulator;
      redisUrl?: string;
    },
  ): Promise<GatewayFleet> {
    await options.simulator.listen(0);
    let database: Awaited<ReturnType<typeof createPostgresDatabase>> | undefined;
    let redis: Awaited<ReturnType<typeof createRedisNamespace>>;
    try {
      database = await createPostgresDatabase();
      redis = await createRedisNamespace();
    } catch (error) {
      // Nothing is left running when a service is down: the test fails on the error alone.
      await options.simulator.close();
      await database?.drop();
      throw error;
    }
    const env = fleetEnv({
      ...options,
      database,
      redis: { url: options.redisUrl ?? redis.url, prefix: redis.prefix },
    });
    return new GatewayFleet(options.simulator, env, database, redis);
  }

  /**
   * Starts replicas on the fleet's environment: `count` of them, or one per REPLICA_ID given.
   * If one fails to start, the call rejects once the others are up (they stay in `replicas`, so
   * close() stops them).
   */
  async start(replicas: number | string[], options: StartOptions = {}): Promise<GatewayProcess[]> {
    const ids: Array<string | undefined> =
      typeof replicas === 'number' ? Array.from({ length: replicas }, () => undefined) : replicas;
    const startOne = async (id: string | undefined) => {
      const env = id === undefined ? this.env : { ...this.env, REPLICA_ID: id };
      const replica = await startGateway(env, { timeoutMs: options.timeoutMs });
      this.replicas.push(replica);
      if (id !== undefined) this.ids.set(replica, id);
      return replica;
    };
    if (options.oneByOne) {
      const started: GatewayProcess[] = [];
      for (const id of ids) started.push(await startOne(id));
      return started;
    }
    const settled = await Promise.allSettled(ids.map(startOne));
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  }

  /** The REPLICA_ID a replica was started with. */
  replicaId(replica: GatewayProcess): string | undefined {
    return this.ids.get(replica);
  }

  /** Everything every replica wrote so far, to check what was (never) logged. */
  output(): string {
    return this.replicas.map((r) => r.output()).join('\n');
  }

  /** Stops the replicas and the simulator, then deletes the Redis keys and drops the database. */
  async close(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.stop()));
    this.replicas.length = 0;
    await this.simulator.close();
    await this.redis.cleanup();
    await this.database.drop();
  }
}

/** The two replicas of `fleet.start(2)`, named, for tests about what one does and the other sees. */
export function pair(replicas: GatewayProcess[]): [GatewayProcess, GatewayProcess] {
  const [a, b] = replicas;
  if (!a || !b) throw new Error('two replicas expected');
  return [a, b];
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Reads until `done` says yes or the time is up; resolves with the last value read. */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 8_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(100);
    value = await read();
  }
  return value;
}

/** Zoom's date-time format: ISO 8601 in UTC, without milliseconds. */
export const zoomTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Creates a 30-minute scheduled meeting through a gateway (201 expected); resolves with its id. */
export async function createScheduledMeeting(
  call: GatewayCall,
  gateway: GatewayProcess,
  topic: string,
  startInMs = 86_400_000,
): Promise<string> {
  const created = await call(gateway, 'POST', '/v2/users/me/meetings', {
    body: { topic, type: 2, duration: 30, start_time: zoomTime(Date.now() + startInMs) },
  });
  expect(created.status).toBe(201);
  return String(meetingIdOf(created));
}

/** An access token straight from the simulator's token endpoint (as another app would get one). */
export async function simulatorToken(
  oauthBaseUrl: string,
  credentials: ZoomCredentials = SIM_DEFAULTS,
): Promise<string> {
  const params = new URLSearchParams({
    grant_type: 'account_credentials',
    account_id: credentials.accountId,
  });
  const basic = Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`);
  const response = await fetch(`${oauthBaseUrl}/oauth/token?${params.toString()}`, {
    method: 'POST',
    headers: { Authorization: `Basic ${basic.toString('base64')}` },
  });
  return (await json(response, z.looseObject({ access_token: z.string() }))).access_token;
}

/** Another app changes a meeting directly in Zoom, with its own token; resolves with Zoom's status. */
export async function patchInZoom(
  simulator: ZoomSimulator,
  meetingId: string,
  patch: Record<string, unknown>,
): Promise<number> {
  const token = await simulatorToken(simulator.baseUrl);
  const patched = await fetch(`${simulator.apiBaseUrl}/meetings/${meetingId}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(patch),
  });
  return patched.status;
}
