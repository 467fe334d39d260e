import { AxiosError } from 'axios';
import { DomainError, ErrorCode, ZoomApiError } from '../../common/errors/index.js';
import { TokenEndpointError } from '../token/zoom-oauth.client.js';
import { isNewObservation, observeError } from './auth-observation.js';

const NOW = Date.parse('2026-01-15T12:00:00.000Z');

describe('observeError', () => {
  it('reads a 401 from Zoom as rejected, keeping Zoom code and message as data', async () => {
    const observed = observeError(
      new ZoomApiError(401, { code: 124, message: 'Invalid access token.' }),
      NOW,
    );
    expect(observed.state).toBe('rejected');
    expect(observed.cause).toEqual({
      kind: 'api_refusal',
      status: 401,
      code: 124,
      message: 'Invalid access token.',
    });
  });

  it('reads 4711 as degraded and names the scopes', async () => {
    const observed = observeError(
      new ZoomApiError(400, {
        code: 4711,
        message:
          'Invalid access token, does not contain scopes:[user:read:user, user:read:user:admin].',
      }),
      NOW,
    );
    expect(observed).toMatchObject({
      state: 'degraded',
      cause: { kind: 'missing_scopes', scopes: ['user:read:user', 'user:read:user:admin'] },
    });
    expect(observed.reason).toContain('user:read:user:admin');
  });

  it('reads invalid_client behind the token service as invalid_credentials, and not as news', async () => {
    const cause = new TokenEndpointError('invalid_client', 'refused', {
      status: 400,
      zoomError: 'invalid_client',
    });
    const error = new DomainError(ErrorCode.ZoomUnavailable, 'no token', { cause });
    expect(observeError(error, NOW)).toMatchObject({
      state: 'invalid_credentials',
      cause: { kind: 'token_endpoint', error: 'invalid_client', status: 400 },
    });
    expect(isNewObservation(error)).toBe(false);
  });

  it('reads an API timeout as unreachable and news, the token service holding back as not news', async () => {
    const timeout = new DomainError(ErrorCode.ZoomTimeout, 'Zoom did not answer', {
      cause: new AxiosError('timeout', 'ECONNABORTED'),
    });
    expect(observeError(timeout, NOW).state).toBe('unreachable');
    expect(isNewObservation(timeout)).toBe(true);
    const holding = new DomainError(
      ErrorCode.ZoomUnavailable,
      "Zoom's token endpoint is not giving tokens",
    );
    expect(isNewObservation(holding)).toBe(false);
    const rejected = new DomainError(ErrorCode.ZoomAuthRejected, 'refuses even fresh tokens');
    expect(observeError(rejected, NOW).state).toBe('rejected');
    expect(isNewObservation(rejected)).toBe(false);
  });

  it('keeps the cause the token service attached to its held-back error', async () => {
    const carried = {
      kind: 'token_endpoint',
      error: 'invalid_request',
      message: 'wrong account',
    } as const;
    const error = new DomainError(ErrorCode.ZoomInvalidCredentials, 'Zoom refused the account', {
      cause: carried,
    });
    expect(observeError(error, NOW)).toEqual({
      state: 'invalid_credentials',
      reason: 'Zoom refused the account',
      cause: carried,
    });
  });

  it('turns a Retry-After from Zoom into the time the rate limit ends', async () => {
    const observed = observeError(
      new ZoomApiError(429, { code: 429, message: 'Too many requests' }, { 'retry-after': '30' }),
      NOW,
    );
    expect(observed).toMatchObject({
      state: 'degraded',
      cause: { kind: 'api_rate_limited', retryAt: '2026-01-15T12:00:30.000Z' },
    });
  });
});
