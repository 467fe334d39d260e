import type { AuthCause } from '../token/auth-state.js';
import { missingScopesOf, verdictFor, zoomWordsOf } from './zoom-verdict.js';

describe('verdictFor', () => {
  it('speaks the doctor vocabulary for each cause the state machine stores', async () => {
    const codes = (
      [
        { kind: 'none' },
        { kind: 'api_refusal', status: 401, code: 124 },
        { kind: 'token_endpoint', error: 'invalid_client', message: 'refused' },
        { kind: 'token_endpoint', error: 'invalid_request', message: 'refused' },
        { kind: 'token_endpoint', error: 'timeout', message: 'no answer' },
        { kind: 'token_endpoint', error: 'unsupported_grant_type', message: 'odd' },
        { kind: 'network', message: 'ECONNREFUSED' },
        { kind: 'api_error', status: 503 },
        { kind: 'api_error', status: 400, code: 300 },
      ] satisfies AuthCause[]
    ).map((cause) => verdictFor(cause).code);
    expect(codes).toEqual([
      'healthy',
      'app_refused',
      'wrong_client_credentials',
      'wrong_account_id',
      'unreachable',
      'zoom_error',
      'unreachable',
      'unreachable',
      'zoom_error',
    ]);
  });

  it('names the missing scopes and when a rate limit ends, from the cause', async () => {
    expect(verdictFor({ kind: 'missing_scopes', scopes: ['a:b'] })).toMatchObject({
      code: 'missing_scopes',
      missingScopes: ['a:b'],
    });
    expect(
      verdictFor({ kind: 'api_rate_limited', status: 429, retryAt: '2026-01-15T12:01:00.000Z' }),
    ).toMatchObject({ code: 'rate_limited', retryAt: '2026-01-15T12:01:00.000Z' });
    expect(
      verdictFor({
        kind: 'token_endpoint',
        error: 'rate_limited',
        message: '429',
        retryAt: '2026-01-15T12:02:00.000Z',
      }),
    ).toMatchObject({ code: 'rate_limited', retryAt: '2026-01-15T12:02:00.000Z' });
  });

  it("carries Zoom's own words, and none when Zoom said nothing", async () => {
    expect(
      verdictFor({
        kind: 'token_endpoint',
        error: 'invalid_client',
        message: 'refused',
        status: 400,
        zoomError: 'invalid_client',
        zoomReason: 'Invalid client_id or client_secret',
      }).zoom,
    ).toEqual({
      status: 400,
      code: 'invalid_client',
      message: 'Invalid client_id or client_secret',
    });
    expect(zoomWordsOf({ kind: 'missing_scopes', scopes: ['a:b'] })).toBeUndefined();
    expect(missingScopesOf({ kind: 'api_refusal', status: 401 })).toBeUndefined();
  });
});
