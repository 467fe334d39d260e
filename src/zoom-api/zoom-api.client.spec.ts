import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { CommonModule } from '../common/common.module.js';
import { DomainError, ErrorCode, ZoomApiError } from '../common/errors/index.js';
import { loadConfig } from '../config/app-config.js';
import { ConfigModule } from '../config/config.module.js';
import { CoordinationModule } from '../coordination/coordination.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { ZoomSimulator } from '../zoom-simulator/index.js';
import { ZoomApiClient } from './zoom-api.client.js';
import { ZoomApiModule } from './zoom-api.module.js';

describe(ZoomApiClient.name, () => {
  let simulator: ZoomSimulator;
  let client: ZoomApiClient;
  let close: () => Promise<void>;

  beforeAll(async () => {
    simulator = new ZoomSimulator({ accountId: 'acc', clientId: 'cid', clientSecret: 'secret', rateLimits: false });
    await simulator.listen(0);
    const config = loadConfig({
      ZOOM_ACCOUNT_ID: 'acc',
      ZOOM_CLIENT_ID: 'cid',
      ZOOM_CLIENT_SECRET: 'secret',
      ZOOM_OAUTH_BASE_URL: simulator.baseUrl,
      ZOOM_API_BASE_URL: simulator.apiBaseUrl,
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      DATABASE_URL: 'sqlite::memory:',
    });
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), MetricsModule, CommonModule, CoordinationModule, ZoomApiModule],
    }).compile();
    await moduleRef.init();
    client = moduleRef.get(ZoomApiClient);
    close = () => moduleRef.close();
  });

  afterAll(async () => {
    await close();
    await simulator.close();
  });

  beforeEach(() => simulator.control.reset());

  it('resolves with Zoom 2xx answers and mints one token for concurrent calls', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        client.request<{ id: number }>({
          method: 'POST',
          path: '/users/me/meetings',
          body: { topic: 'x', type: 2 },
          category: 'medium',
          route: 'POST /users/:userId/meetings',
        }),
      ),
    );
    await expect(Promise.resolve(results.every((r) => r.status === 201 && typeof r.data.id === 'number'))).resolves.toBe(true);
    await expect(Promise.resolve(simulator.control.stats().tokenRequests)).resolves.toBeLessThanOrEqual(1);
  });

  it('throws ZoomApiError with Zoom status and code for a missing meeting', async () => {
    const error = await client
      .request({ method: 'GET', path: '/meetings/123456789', category: 'light', route: 'GET /meetings/:meetingId' })
      .catch((e: unknown) => e);
    await expect(Promise.resolve(error)).resolves.toBeInstanceOf(ZoomApiError);
    await expect(Promise.resolve((error as ZoomApiError).status)).resolves.toBe(404);
    await expect(Promise.resolve((error as ZoomApiError).options.zoomCode)).resolves.toBe(3001);
  });

  it('throws ZoomUnavailable when Zoom drops the connection', async () => {
    simulator.control.dropNext(1, { target: 'api' });
    const error = await client
      .request({ method: 'GET', path: '/meetings/1', category: 'light', route: 'GET /meetings/:meetingId' })
      .catch((e: unknown) => e);
    await expect(Promise.resolve((error as DomainError).code)).resolves.toBe(ErrorCode.ZoomUnavailable);
    await expect(Promise.resolve((error as DomainError).status)).resolves.toBe(502);
  });

  it('recovers once from a token Zoom stopped honouring', async () => {
    await client.request({ method: 'GET', path: '/users/me', category: 'light', route: 'GET /users/:userId' });
    simulator.control.invalidateLiveTokens();
    const response = await client.request({ method: 'GET', path: '/users/me', category: 'light', route: 'GET /users/:userId' });
    await expect(Promise.resolve(response.status)).resolves.toBe(200);
    await expect(Promise.resolve(simulator.control.stats().tokensMinted)).resolves.toBe(1);
  });
});
