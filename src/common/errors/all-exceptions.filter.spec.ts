import { Logger } from '@nestjs/common';
import { AllExceptionsFilter } from './all-exceptions.filter.js';
import { DomainError } from './domain-error.js';
import { ErrorCode } from './error-code.js';
import { fakeHttp, type SentAnswer } from './testing/fake-http.js';

function answer(exception: unknown, path = '/api/meetings', callerLeft = false): SentAnswer {
  const { host, sent } = fakeHttp(path, { callerLeft });
  new AllExceptionsFilter().catch(exception, host);
  return sent;
}

describe(AllExceptionsFilter.name, () => {
  beforeEach(() => {
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('answers 503 database_unavailable with Retry-After when the database refuses, without its address', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), {
      code: 'ECONNREFUSED',
    });
    const result = answer(refused);
    expect(result).toMatchObject({
      status: 503,
      body: { code: 'database_unavailable', correlationId: 'req-1' },
      headers: { 'Retry-After': '5' },
    });
    expect(JSON.stringify(result.body)).not.toMatch(/10\.0\.0\.5|5432/);
  });

  it("logs the database's failure as the cause, without its address, port or connection string", () => {
    const logged = vi.spyOn(Logger.prototype, 'error');
    const refused = Object.assign(
      new Error('connect ECONNREFUSED 10.0.0.5:5432 (postgres://app:s3cret@db.internal:5432/zg)'),
      { code: 'ECONNREFUSED', address: '10.0.0.5', port: 5432 },
    );
    answer(refused);
    answer(new Error('query to db.internal:5432 failed oddly'));
    const lines = JSON.stringify(logged.mock.calls);
    expect(lines).toContain('connect ECONNREFUSED <database> (postgres://<database>)');
    expect(lines).toContain('query to <address> failed oddly');
    expect(lines).not.toMatch(/10\.0\.0\.5|5432|s3cret|db\.internal/);
  });

  it('gives a thrown database_unavailable its Retry-After too', () => {
    const result = answer(new DomainError(ErrorCode.DatabaseUnavailable, 'Database timed out.'));
    expect([result.status, result.headers]).toEqual([503, { 'Retry-After': '5' }]);
  });

  it('still answers 500 internal_error for a bug', () => {
    expect(answer(new TypeError('x is undefined'))).toMatchObject({
      status: 500,
      body: { code: 'internal_error' },
    });
  });

  it('neither answers nor logs an error when the caller has gone (its abort ended the call to Zoom)', () => {
    const logged = vi.spyOn(Logger.prototype, 'error');
    const result = answer(
      new DomainError(ErrorCode.ZoomUnreachable, 'Zoom could not be reached.'),
      '/v2/users/me',
      true,
    );
    expect(result).toEqual({ headers: {} });
    expect(logged).not.toHaveBeenCalled();
  });
});
