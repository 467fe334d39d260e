import { AxiosError } from 'axios';
import { DomainError, ErrorCode, ZoomApiError } from '../../common/errors/index.js';
import { TokenEndpointError } from '../token/zoom-oauth.client.js';
import { classifyValidationError, isNewObservation } from './auth-validation.service.js';
import { verdictFromStatus } from './diagnostics.service.js';
import type { ZoomAuthStatus } from './zoom-auth-status.service.js';

describe('classifyValidationError', () => {
  it('reads a 401 from Zoom as rejected, with Zoom code and message', async () => {
    const outcome = classifyValidationError(
      new ZoomApiError(401, { code: 124, message: 'Invalid access token.' }),
    );
    expect(outcome.outcome).toBe('rejected');
    expect(outcome.zoom).toEqual({ status: 401, code: 124, message: 'Invalid access token.' });
  });

  it('reads 4711 as degraded and names the scopes', async () => {
    const outcome = classifyValidationError(
      new ZoomApiError(400, {
        code: 4711,
        message:
          'Invalid access token, does not contain scopes:[user:read:user, user:read:user:admin].',
      }),
    );
    expect(outcome).toMatchObject({
      outcome: 'degraded',
      missingScopes: ['user:read:user', 'user:read:user:admin'],
    });
    expect(outcome.reason).toContain('user:read:user:admin');
  });

  it('reads invalid_client behind the token service as invalid_credentials', async () => {
    const cause = new TokenEndpointError('invalid_client', 'refused', {
      status: 400,
      zoomError: 'invalid_client',
    });
    const error = new DomainError(ErrorCode.ZoomUnavailable, 'no token', { cause });
    expect(classifyValidationError(error).outcome).toBe('invalid_credentials');
    expect(isNewObservation(error)).toBe(false);
  });

  it('reads an API timeout as unreachable and news, the token service holding back as not news', async () => {
    const timeout = new DomainError(ErrorCode.ZoomTimeout, 'Zoom did not answer', {
      cause: new AxiosError('timeout', 'ECONNABORTED'),
    });
    expect(classifyValidationError(timeout).outcome).toBe('unreachable');
    expect(isNewObservation(timeout)).toBe(true);
    const holding = new DomainError(
      ErrorCode.ZoomUnavailable,
      "Zoom's token endpoint is not giving tokens",
    );
    expect(isNewObservation(holding)).toBe(false);
    const rejected = new DomainError(ErrorCode.ZoomAuthRejected, 'refuses even fresh tokens');
    expect(classifyValidationError(rejected).outcome).toBe('rejected');
    expect(isNewObservation(rejected)).toBe(false);
  });
});

describe('verdictFromStatus', () => {
  const base: ZoomAuthStatus = {
    state: 'ok',
    reason: 'fine',
    since: '2026-01-15T12:00:00.000Z',
    lastSuccessAt: null,
    retryAt: null,
    credentialVersion: 1,
    lastValidation: null,
    rotationAlarm: null,
  };

  it('speaks the doctor vocabulary for each state', async () => {
    expect(verdictFromStatus(base).code).toBe('healthy');
    expect(verdictFromStatus({ ...base, state: 'rejected' }).code).toBe('app_refused');
    expect(
      verdictFromStatus({ ...base, state: 'invalid_credentials', reason: 'invalid_client' }).code,
    ).toBe('wrong_client_credentials');
    expect(verdictFromStatus({ ...base, state: 'unreachable' }).code).toBe('unreachable');
    expect(
      verdictFromStatus({
        ...base,
        state: 'degraded',
        lastValidation: {
          at: base.since,
          replicaId: 'r',
          outcome: 'degraded',
          reason: 'x',
          latencyMs: 1,
          missingScopes: ['a:b'],
        },
      }),
    ).toMatchObject({ code: 'missing_scopes', missingScopes: ['a:b'] });
  });
});
