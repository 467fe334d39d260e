import { HttpService } from '@nestjs/axios';
import { create as createAxios } from 'axios';
import { Clock } from '../../common/clock.js';
import { loadConfig } from '../../config/app-config.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { ZoomAttempt } from '../api/zoom-attempt.js';
import { ZoomHttpTransport } from '../api/zoom-http.transport.js';
import type { ZoomCredentials } from '../credentials/zoom-credentials.js';
import { ZoomOAuthClient } from '../token/zoom-oauth.client.js';
import { ZoomProbeService } from './zoom-probe.service.js';
import { DOCTOR_EXIT_CODES, missingRequiredScopes, scopesFromZoomMessage } from './zoom-verdict.js';

const SIM = { accountId: 'acct-1', clientId: 'client-1', clientSecret: 'secret-1' };

function credentials(overrides: Partial<ZoomCredentials> = {}): ZoomCredentials {
  return { version: 1, fingerprint: 'f00', ...SIM, ...overrides };
}

function probeFor(oauthBase: string, apiBase: string): ZoomProbeService {
  const config = loadConfig({
    ZOOM_OAUTH_BASE_URL: oauthBase,
    ZOOM_API_BASE_URL: apiBase,
    ...envCredentials(),
  });
  const http = new HttpService(createAxios());
  const clock = new Clock();
  const attempt = new ZoomAttempt(new ZoomHttpTransport(), config, new MetricsService(config));
  return new ZoomProbeService(new ZoomOAuthClient(http, config, clock), attempt, config, clock);
}

function envCredentials() {
  return {
    ZOOM_ACCOUNT_ID: SIM.accountId,
    ZOOM_CLIENT_ID: SIM.clientId,
    ZOOM_CLIENT_SECRET: SIM.clientSecret,
  };
}

describe(ZoomProbeService.name, () => {
  const simulator = new ZoomSimulator({ ...SIM });
  let probe: ZoomProbeService;

  beforeAll(async () => {
    await simulator.listen(0);
    probe = probeFor(simulator.baseUrl, simulator.apiBaseUrl);
  });
  afterEach(() => simulator.control.reset({ modes: true }));
  afterAll(() => simulator.close());

  it('says healthy when the credentials mint and the token is accepted', async () => {
    const { report } = await probe.probe(credentials());
    expect(report.verdict.code).toBe('healthy');
    expect(report.token?.ownerUserId).toBe(simulator.ownerUser.id);
    expect(report.token?.accountId).toBe(SIM.accountId);
    expect(report.call?.status).toBe(200);
    expect(simulator.control.stats().tokensMinted).toBe(1);
  });

  it('names wrong client credentials when the token endpoint answers invalid_client', async () => {
    const { report } = await probe.probe(credentials({ clientSecret: 'not-the-secret-7f3a' }));
    expect(report.verdict.code).toBe('wrong_client_credentials');
    expect(report.verdict.zoom?.code).toBe('invalid_client');
    expect(report.call).toBeUndefined();
    expect(JSON.stringify(report)).not.toContain('not-the-secret-7f3a');
  });

  it('names a wrong account id when the token endpoint answers invalid_request', async () => {
    const { report } = await probe.probe(credentials({ accountId: 'someone-else' }));
    expect(report.verdict.code).toBe('wrong_account_id');
  });

  it('says the app is refused when a fresh token gets 401', async () => {
    simulator.control.setRefused(true);
    const { report } = await probe.probe(credentials());
    expect(report.verdict.code).toBe('app_refused');
    expect(report.verdict.nextStep).toMatch(/rotate|regenerate/i);
    expect(report.call?.zoomCode).toBe(124);
  });

  it('names the missing scopes Zoom reports with code 4711', async () => {
    simulator.control.setScopes(['meeting:write:meeting:admin']);
    const { report } = await probe.probe(credentials());
    expect(report.verdict.code).toBe('missing_scopes');
    expect(report.verdict.missingScopes).toEqual(['user:read:user', 'user:read:user:admin']);
  });

  it('names the meeting scopes the gateway needs when the cheap call passes without them', async () => {
    simulator.control.setScopes(['user:read:user:admin', 'meeting:read:meeting:admin']);
    const { report } = await probe.probe(credentials());
    expect(report.verdict.code).toBe('missing_scopes');
    expect(report.verdict.missingScopes).toEqual([
      'meeting:write:meeting:admin',
      'meeting:read:list_meetings:admin',
      'meeting:delete:meeting:admin',
    ]);
  });

  it('says until when the token endpoint rate limits', async () => {
    simulator.control.setTokenEndpointRateLimited(45);
    const before = Date.now();
    const { report } = await probe.probe(credentials());
    expect(report.verdict.code).toBe('rate_limited');
    const retryAt = Date.parse(report.verdict.retryAt!);
    expect(retryAt).toBeGreaterThanOrEqual(before + 44_000);
    expect(retryAt).toBeLessThanOrEqual(Date.now() + 46_000);
  });

  it('says the fleet comes back within ZOOM_RETRY_AFTER_CAP_SECONDS when Zoom asks for longer', async () => {
    simulator.control.setTokenEndpointRateLimited(100_000);
    const { report } = await probe.probe(credentials());
    expect(report.verdict.code).toBe('rate_limited');
    // The default cap: 60 s.
    expect(Date.parse(report.verdict.retryAt!)).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it('says unreachable when nothing listens at the OAuth base URL', async () => {
    const closed = new ZoomSimulator();
    const url = await closed.listen(0);
    await closed.close();
    const { report } = await probeFor(url, `${url}/v2`).probe(credentials());
    expect(report.verdict.code).toBe('unreachable');
    expect(report.mint.error?.kind).toBe('unreachable');
  });

  it('gives each verdict its own non-zero exit code, and 0 only to healthy', async () => {
    const codes = Object.entries(DOCTOR_EXIT_CODES);
    expect(new Set(codes.map(([, c]) => c)).size).toBe(codes.length);
    expect(codes.filter(([, c]) => c === 0).map(([v]) => v)).toEqual(['healthy']);
  });
});

describe('scope helpers', () => {
  it('reads the scopes out of Zoom 4711 message', async () => {
    expect(
      scopesFromZoomMessage(
        'Invalid access token, does not contain scopes:[user:read:user, user:read:user:admin].',
      ),
    ).toEqual(['user:read:user', 'user:read:user:admin']);
    expect(scopesFromZoomMessage('Invalid access token.')).toEqual([]);
  });

  it('accepts classic and master scopes for the meetings the gateway needs', async () => {
    expect(missingRequiredScopes(['meeting:write:admin', 'meeting:read:admin'])).toEqual([]);
    expect(missingRequiredScopes(['meeting:master'])).toEqual([]);
    expect(missingRequiredScopes([])).toEqual([]);
  });
});
