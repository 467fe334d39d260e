import { Test, type TestingModule } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommonModule } from '../../common/common.module.js';
import { DomainError, ErrorCode, ZoomApiError } from '../../common/errors/index.js';
import { loadConfig } from '../../config/app-config.js';
import { ConfigModule } from '../../config/config.module.js';
import { CoordinationModule } from '../../coordination/coordination.module.js';
import { DatabaseModule } from '../../database/database.module.js';
import { MetricsModule } from '../../metrics/metrics.module.js';
import { ZoomApiClient } from '../api/zoom-api.client.js';
import { ZoomApiModule } from '../api/zoom-api.module.js';
import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { MintLedgerService } from './mint-ledger/mint-ledger.service.js';
import { ZoomAuthStateService } from './zoom-auth-state.service.js';
import { ZoomTokenService } from './zoom-token.service.js';
import { FleetTokenStore } from './token-store/fleet-token-store.js';
import { Clock } from '../../common/clock.js';
import { FakeClock } from '../../common/testing/fake-clock.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CREDS = { accountId: 'acc', clientId: 'cid', clientSecret: 'secret-for-tests' };

/** Awaits a promise that must reject with an instance of `type`, and returns that error. */
async function rejection<E extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  if (!(error instanceof type)) throw new Error(`expected a rejection with ${type.name}`);
  return error;
}

interface Replica {
  tokens: ZoomTokenService;
  store: FleetTokenStore;
  client: ZoomApiClient;
  state: ZoomAuthStateService;
  ledger: MintLedgerService;
  close(): Promise<void>;
}

/** One gateway replica in this process: its own Redis connections, database file and services. */
async function startReplica(
  simulator: ZoomSimulator,
  prefix: string,
  index: number,
  extra: Record<string, string> = {},
  clock?: Clock,
): Promise<Replica> {
  const dir = mkdtempSync(join(tmpdir(), 'zg-token-spec-'));
  const config = loadConfig({
    ZOOM_ACCOUNT_ID: CREDS.accountId,
    ZOOM_CLIENT_ID: CREDS.clientId,
    ZOOM_CLIENT_SECRET: CREDS.clientSecret,
    ZOOM_OAUTH_BASE_URL: simulator.baseUrl,
    ZOOM_API_BASE_URL: simulator.apiBaseUrl,
    ZOOM_RATE_LIMIT_PLAN: 'business',
    // Tokens are encrypted with the fleet's key: every replica needs the same one.
    ENCRYPTION_KEY: SHARED_KEY.toString('base64'),
    DATABASE_URL: `sqlite:${join(dir, 'gateway.sqlite')}`,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    REPLICA_ID: `spec-replica-${index}`,
    ...extra,
  });
  const builder = Test.createTestingModule({
    imports: [
      ConfigModule.forRoot(config),
      MetricsModule,
      CommonModule,
      DatabaseModule,
      CoordinationModule,
      ZoomApiModule,
    ],
  });
  if (clock) builder.overrideProvider(Clock).useValue(clock);
  const moduleRef: TestingModule = await builder.compile();
  await moduleRef.init();
  return {
    tokens: moduleRef.get(ZoomTokenService),
    store: moduleRef.get(FleetTokenStore),
    client: moduleRef.get(ZoomApiClient),
    state: moduleRef.get(ZoomAuthStateService),
    ledger: moduleRef.get(MintLedgerService),
    close: () => moduleRef.close(),
  };
}

const SHARED_KEY = randomBytes(32);
const getMe = {
  method: 'GET',
  path: '/users/me',
  route: 'GET /users/:userId',
} as const;

describe(ZoomTokenService.name, () => {
  let simulator: ZoomSimulator;
  let replicas: Replica[];
  let prefix: string;

  beforeEach(async () => {
    simulator = new ZoomSimulator({ ...CREDS, rateLimits: false });
    await simulator.listen(0);
    prefix = `zg-test-${randomBytes(6).toString('hex')}:`;
    replicas = [];
    for (let i = 0; i < 3; i++)
      replicas.push(
        await startReplica(simulator, prefix, i, { ZOOM_RETRY_AFTER_CAP_SECONDS: '40' }),
      );
  });

  afterEach(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await simulator.close();
  });

  it('mints exactly one token for 300 concurrent cold callers on three replicas', async () => {
    simulator.control.setTokenLatency(300);
    const tokens = await Promise.all(
      Array.from({ length: 300 }, (_, i) => replicas[i % 3].tokens.getAccessToken()),
    );
    expect(new Set(tokens).size).toBe(1);
    expect(simulator.control.stats().tokenRequests).toBe(1);
    // Each replica here has its own database: the fleet's ledger is the sum of theirs.
    await Promise.all(replicas.map((r) => r.ledger.flush()));
    const summaries = await Promise.all(replicas.map((r) => r.ledger.summary()));
    expect(summaries.reduce((sum, s) => sum + s.lastDay.total, 0)).toBe(1);
    expect(summaries.find((s) => s.lastDay.total === 1)).toMatchObject({
      lastDay: { byReason: { cold: 1 }, byOutcome: { ok: 1 } },
      lastHour: { minted: 1 },
    });
  });

  it("defers the refresh-ahead while the fleet's Redis is away, so a failover mints nothing, and refreshes once it is back", async () => {
    const clock = new FakeClock('real');
    const replica = await startReplica(simulator, prefix, 9, {}, clock);
    replicas.push(replica);
    await replica.tokens.getAccessToken();
    expect(simulator.control.stats().tokenRequests).toBe(1);
    // 90% of the hour: inside every replica's refresh window, well before the token stops being usable.
    clock.advance(3_240_000);
    const away = vi.spyOn(replica.store, 'sharedStoreAway', 'get').mockReturnValue(true);
    await replica.tokens.getAccessToken();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(simulator.control.stats().tokenRequests).toBe(1);
    away.mockRestore();
    await replica.tokens.getAccessToken();
    await vi.waitFor(() => expect(simulator.control.stats().tokenRequests).toBe(2));
  });

  it('serves a fresh token from memory without asking Zoom again', async () => {
    const first = await replicas[0].tokens.getAccessToken();
    for (let i = 0; i < 10_000; i++) await replicas[0].tokens.getAccessToken();
    await expect(replicas[1].tokens.getAccessToken()).resolves.toBe(first);
    expect(simulator.control.stats().tokenRequests).toBe(1);
  });

  it('replaces a silently invalidated token once for the fleet and retries each call once', async () => {
    await Promise.all(replicas.map((r) => r.client.request(getMe)));
    simulator.control.invalidateLiveTokens();
    const responses = await Promise.all(
      Array.from({ length: 90 }, (_, i) => replicas[i % 3].client.request(getMe)),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(simulator.control.stats().tokensMinted).toBe(2);
  });

  it('recovers from a second invalidation of a replacement Zoom already accepted, without entering rejected', async () => {
    await Promise.all(replicas.map((r) => r.client.request(getMe)));
    simulator.control.invalidateLiveTokens();
    await Promise.all(replicas.map((r) => r.client.request(getMe)));
    // The replacement was accepted; a cap or another minter invalidates it moments later.
    simulator.control.invalidateLiveTokens();
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => replicas[i % 3].client.request(getMe)),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(replicas.map((r) => r.state.snapshot().state)).toEqual(['ok', 'ok', 'ok']);
    expect(simulator.control.stats().tokensMinted).toBe(3);
  });

  it('gives one token to retry with after a refusal, and never a second retry', async () => {
    const refused = await replicas[0].tokens.getToken();
    simulator.control.invalidateLiveTokens();
    const first = await replicas[0].tokens.onAnswer(refused, {
      status: 401,
      data: { code: 124, message: 'Invalid access token.' },
    });
    if (!('retryWith' in first)) throw new Error('expected a token to retry with');
    expect(first.retryWith.fingerprint).not.toBe(refused.fingerprint);
    // Zoom calls the retry token expired: a refusal, but no proof the app is refused.
    await expect(
      replicas[0].tokens.onAnswer(first.retryWith, {
        status: 401,
        data: { code: 124, message: 'Access token is expired.' },
      }),
    ).resolves.toEqual({ done: true });
    await expect(
      replicas[0].tokens.onAnswer(await replicas[0].tokens.getToken(), { status: 200, data: {} }),
    ).resolves.toEqual({ done: true });
    expect(replicas[0].state.snapshot().state).toBe('ok');
  });

  it('relays Zoom errors with their status and code', async () => {
    const error = await rejection(
      replicas[0].client.request({
        method: 'GET',
        path: '/meetings/123456789',
        route: 'GET /meetings/:meetingId',
      }),
      ZoomApiError,
    );
    expect(error.status).toBe(404);
    expect(error.options.zoomCode).toBe(3001);
  });

  it('answers zoom_unreachable 502 when Zoom drops the connection', async () => {
    await replicas[0].client.request(getMe);
    simulator.control.dropNext(1, { target: 'api' });
    const error = await rejection(replicas[0].client.request(getMe), DomainError);
    expect(error.code).toBe(ErrorCode.ZoomUnreachable);
    expect(error.status).toBe(502);
  });

  it('enters the rejected state fleet-wide when a freshly minted token is refused, then fails fast', async () => {
    await Promise.all(replicas.map((r) => r.client.request(getMe)));
    simulator.control.setRefused(true);
    const error = await rejection(replicas[0].client.request(getMe), DomainError);
    expect(error.code).toBe(ErrorCode.ZoomAuthRejected);
    expect(error.message).toMatch(/refuses even freshly minted.*owner.*rotat/s);
    await vi.waitFor(() =>
      expect(replicas.map((r) => r.state.snapshot().state)).toEqual([
        'rejected',
        'rejected',
        'rejected',
      ]),
    );
    const before = simulator.control.stats();
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        replicas[i % 3].client.request(getMe).catch((e: unknown) => e),
      ),
    );
    expect(
      results.every((e) => e instanceof DomainError && e.code === ErrorCode.ZoomAuthRejected),
    ).toBe(true);
    const after = simulator.control.stats();
    expect(after.tokenRequests - before.tokenRequests).toBe(0);
    expect(after.apiCalls - before.apiCalls).toBe(0);
    expect(before.tokenRequests).toBe(2);
  });

  it('names the client id, never the secret, and stops asking when Zoom says invalid_client', async () => {
    simulator.control.regenerateSecret();
    simulator.control.revokeOldSecret();
    const error = await rejection(replicas[0].tokens.getAccessToken(), DomainError);
    expect(error.code).toBe(ErrorCode.ZoomInvalidCredentials);
    expect(error.message).toContain(CREDS.clientId);
    expect(error.message).not.toContain(CREDS.clientSecret);
    // Every replica has heard the verdict before each is asked again (pub/sub reaches them one by one).
    for (const replica of replicas)
      await vi.waitFor(() => expect(replica.state.snapshot().state).toBe('invalid_credentials'));
    await Promise.all(replicas.map((r) => r.tokens.getAccessToken().catch(() => undefined)));
    expect(simulator.control.stats().tokenRequests).toBe(1);
  });

  it('backs off the whole fleet after a 429 from the token endpoint, honouring Retry-After', async () => {
    simulator.control.setTokenEndpointRateLimited(30);
    const error = await rejection(replicas[0].tokens.getAccessToken(), DomainError);
    expect(error.code).toBe(ErrorCode.ZoomUnavailable);
    // Every replica has heard the back-off before each is asked again (pub/sub reaches them one by one).
    for (const replica of replicas)
      await vi.waitFor(() => expect(replica.state.snapshot().state).toBe('unreachable'));
    expect((replicas[1].state.snapshot().retryAt ?? 0) - Date.now()).toBeGreaterThan(25_000);
    await Promise.all(replicas.map((r) => r.tokens.getAccessToken().catch(() => undefined)));
    expect(simulator.control.stats().tokenRequests).toBe(1);
  });

  it('caps a huge Retry-After at ZOOM_RETRY_AFTER_CAP_SECONDS, in memory and in Redis', async () => {
    simulator.control.setTokenEndpointRateLimited(100_000);
    await rejection(replicas[0].tokens.getAccessToken(), DomainError);
    await vi.waitFor(() => expect(replicas[1].state.snapshot().state).toBe('unreachable'));
    const left = (replicas[1].state.snapshot().retryAt ?? 0) - Date.now();
    expect(left).toBeGreaterThan(30_000);
    expect(left).toBeLessThanOrEqual(40_000);
    const redis = new Redis(REDIS_URL);
    try {
      const ttl = await redis.pttl(`${prefix}zoom-auth:state`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(40_000);
    } finally {
      redis.disconnect();
    }
  });

  it('lets the whole fleet mint again at once when an operator clears the back-off', async () => {
    simulator.control.setTokenEndpointRateLimited(30);
    await rejection(replicas[0].tokens.getAccessToken(), DomainError);
    await vi.waitFor(() => expect(replicas[2].state.snapshot().state).toBe('unreachable'));
    simulator.control.setTokenEndpointRateLimited(null);
    await replicas[1].state.clearBackoff('spec');
    await vi.waitFor(() => expect(replicas[2].state.snapshot().retryAt).toBeNull());
    await expect(replicas[2].tokens.getAccessToken()).resolves.toMatch(/\./);
  });
});
