import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable, isUniqueViolation } from './database-errors.js';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('database errors', () => {
  it('recognises a unique violation on PostgreSQL and SQLite, wrapped by TypeORM or not', () => {
    const pg = new QueryFailedError('INSERT', [], withCode('duplicate key', '23505'));
    expect(isUniqueViolation(pg)).toBe(true);
    expect(isUniqueViolation(withCode('UNIQUE failed', 'SQLITE_CONSTRAINT_UNIQUE'))).toBe(true);
    expect(isUniqueViolation(withCode('not null', 'SQLITE_CONSTRAINT_NOTNULL'))).toBe(false);
  });

  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 10.0.0.5:5432', 'ECONNREFUSED')],
    ['a pool that waited too long', new Error('timeout exceeded when trying to connect')],
    ['a frozen server (client-side query timeout)', new Error('Query read timeout')],
    ['a dropped connection', new Error('Connection terminated unexpectedly')],
    [
      'statement_timeout, wrapped by TypeORM',
      new QueryFailedError('SELECT', [], withCode('canceling statement', '57014')),
    ],
    ['an administrator shutdown', withCode('terminating connection', '57P01')],
    ['a connection exception class', withCode('connection failure', '08006')],
    ['a busy SQLite file', withCode('database is locked', 'SQLITE_BUSY')],
    [
      'a closed SQLite handle, wrapped by TypeORM',
      new QueryFailedError('UPDATE', [], new TypeError('The database connection is not open')),
    ],
    ['a cause further down', new Error('read failed', { cause: new Error('Query read timeout') })],
  ])('calls %s "database unavailable"', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', new QueryFailedError('INSERT', [], withCode('duplicate', '23505'))],
    ['a syntax error', withCode('syntax error at or near', '42601')],
    ['a programming error', new TypeError('x is undefined')],
    ['a string', 'nope'],
  ])('does not call %s "database unavailable"', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
