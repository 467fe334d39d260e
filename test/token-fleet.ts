// Shared set-up of the token e2e files: a simulator, real PostgreSQL and Redis, N built gateway replicas.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ZoomSimulator, type ZoomSimulatorOptions } from '../src/zoom-simulator/index.js';
import { bodyOf, type GatewayProcess, startGateway } from './support/gateway-process.js';
import {
  createPostgresDatabase,
  createRedisNamespace,
  testEncryptionKey,
} from './support/services.js';

export const API_KEY = `tester-${randomBytes(12).toString('hex')}`;
export const CREDENTIALS = {
  accountId: 'e2e-account',
  clientId: 'e2e-client-id',
  clientSecret: `e2e-secret-${randomBytes(8).toString('hex')}`,
};

export interface Fleet {
  simulator: ZoomSimulator;
  redisPrefix: string;
  replicaIds: Map<GatewayProcess, string>;
  replicas: GatewayProcess[];
  env: Record<string, string>;
  start(extra?: Record<string, string>): Promise<GatewayProcess>;
  close(): Promise<void>;
}

export async function startFleet(
  size: number,
  options: {
    simulator?: ZoomSimulatorOptions;
    redisUrl?: string;
    env?: Record<string, string>;
  } = {},
): Promise<Fleet> {
  const simulator = new ZoomSimulator({
    ...CREDENTIALS,
    rateLimits: false,
    dailyMeetingLimitPerUser: 1_000_000,
    ...options.simulator,
  });
  await simulator.listen(0);
  const database = await createPostgresDatabase();
  const redis = await createRedisNamespace();
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    REDIS_URL: options.redisUrl ?? redis.url,
    REDIS_KEY_PREFIX: redis.prefix,
    ENCRYPTION_KEY: testEncryptionKey(),
    API_KEYS: `tester:${API_KEY}`,
    ZOOM_ACCOUNT_ID: CREDENTIALS.accountId,
    ZOOM_CLIENT_ID: CREDENTIALS.clientId,
    ZOOM_CLIENT_SECRET: CREDENTIALS.clientSecret,
    ZOOM_OAUTH_BASE_URL: simulator.baseUrl,
    ZOOM_API_BASE_URL: simulator.apiBaseUrl,
    ZOOM_RATE_LIMIT_PLAN: 'business',
    LOG_LEVEL: 'info',
    ...options.env,
  };
  const replicas: GatewayProcess[] = [];
  const replicaIds = new Map<GatewayProcess, string>();
  const start = async (extra: Record<string, string> = {}) => {
    const replicaId = `replica-${replicas.length}-${randomBytes(3).toString('hex')}`;
    const replica = await startGateway({ REPLICA_ID: replicaId, ...env, ...extra });
    replicaIds.set(replica, replicaId);
    replicas.push(replica);
    return replica;
  };
  // The first replica runs the migrations; the others then start together.
  await start();
  await Promise.all(Array.from({ length: size - 1 }, () => start()));
  return {
    simulator,
    redisPrefix: redis.prefix,
    replicaIds,
    replicas,
    env,
    start,
    async close() {
      await Promise.all(replicas.map((r) => r.stop()));
      await simulator.close();
      await redis.cleanup();
      await database.drop();
    },
  };
}

export interface CallResult {
  status: number;
  body: unknown;
  ms: number;
}

export async function call(
  replica: GatewayProcess,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 30_000,
): Promise<CallResult> {
  const started = Date.now();
  try {
    const response = await fetch(`${replica.url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${API_KEY}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // keep the text
    }
    return { status: response.status, body: parsed, ms: Date.now() - started };
  } catch (error) {
    return {
      status: 0,
      body: error instanceof Error ? error.message : String(error),
      ms: Date.now() - started,
    };
  }
}

/** The id of the meeting a createMeeting call answered with (Zoom's meeting object). */
export function meetingId(meeting: CallResult): number {
  return bodyOf(z.looseObject({ id: z.number() }), meeting.body).id;
}

export const createMeeting = (replica: GatewayProcess, topic = 'token e2e') =>
  call(replica, 'POST', '/v2/users/me/meetings', {
    topic,
    type: 2,
    start_time: '2030-01-01T10:00:00Z',
    duration: 30,
  });

/** Every log line of every replica, to check that no token or secret was ever written. */
export function allOutput(fleet: Fleet): string {
  return fleet.replicas.map((r) => r.output()).join('\n');
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
