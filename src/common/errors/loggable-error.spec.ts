import { isDatabaseUnavailable } from './database-errors.js';
import { errorMessage } from './error-message.js';
import { addressFreeError, loggableError, loggableText } from './loggable-error.js';

/** A Node socket error as net and dns make them: the peer in the message and in properties. */
function socketError(message: string, code: string, address?: string, port?: number): Error {
  return Object.assign(new Error(message), {
    code,
    errno: -111,
    syscall: 'connect',
    address,
    port,
  });
}

describe(loggableError.name, () => {
  it.each([
    ['connect ECONNREFUSED 127.0.0.1:5432', 'connect ECONNREFUSED <database>'],
    ['getaddrinfo ENOTFOUND db.internal', 'getaddrinfo ENOTFOUND <database>'],
    ['getaddrinfo EAI_AGAIN postgres', 'getaddrinfo EAI_AGAIN <database>'],
    [
      'connect ETIMEDOUT 10.0.0.5:5432 - Local (10.0.0.2:51234)',
      'connect ETIMEDOUT <database> - Local (<database>)',
    ],
    ['connect ECONNREFUSED ::1:5432', 'connect ECONNREFUSED <database>'],
    ['no route to [fe80::1%eth0]:5432 now', 'no route to <database> now'],
    ['peer fe80::1ff:fe23:4567:890a went away', 'peer <database> went away'],
    ['peer ::ffff:10.1.2.3 went away', 'peer <database> went away'],
    ['peer 2001:0db8:85a3:0000:0000:8a2e:0370:7334 left', 'peer <database> left'],
    [
      'bad url postgres://gateway:s3cret@db.internal:5432/zoom?sslmode=require, giving up',
      'bad url postgres://<database>, giving up',
    ],
    ['via "redis://:pw@cache:6379/0"', 'via "redis://<database>"'],
    [
      'server db-primary.internal:5432 closed the connection',
      'server <database> closed the connection',
    ],
    ['localhost:6379 is down', '<database> is down'],
    [
      'no pg_hba.conf entry for host "10.0.0.9", user "app"',
      'no pg_hba.conf entry for host "<database>", user "app"',
    ],
  ])('%s', (message, expected) => {
    expect(loggableError(new Error(message), 'database')).toBe(expected);
  });

  it.each([
    'duplicate key value violates unique constraint "meetings_pkey"',
    'invalid input syntax for type timestamp: "2025-01-01T12:30:00Z"',
    'column "x" is of type integer but expression is of type text: \'1\'::text',
    'Meeting 85746065432 not found; retry at 12:30:00',
    'Zoom answered 404/3001: Meeting does not exist: 85746065432.',
  ])('leaves words without an address alone: %s', (message) => {
    expect(loggableError(new Error(message))).toBe(message);
  });

  it('never reads the address and port properties, and keeps the code for classification', () => {
    const raw = socketError('connect ECONNREFUSED 10.9.8.7:6543', 'ECONNREFUSED', '10.9.8.7', 6543);
    const safe = addressFreeError(raw, 'database');
    expect(safe.message).toBe('connect ECONNREFUSED <database>');
    expect(safe.stack).toContain('connect ECONNREFUSED <database>');
    const everything = { ...Object.fromEntries(Object.entries(safe)), stack: safe.stack };
    expect(JSON.stringify(everything)).not.toMatch(/10\.9\.8\.7|6543/);
    expect(isDatabaseUnavailable(safe)).toBe(true);
  });

  it("says what an AggregateError's parts say (Node's happy eyeballs leave its message empty)", () => {
    const aggregate = Object.assign(
      new AggregateError([
        socketError('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED'),
        socketError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      ]),
      { code: 'ECONNREFUSED' },
    );
    expect(loggableError(aggregate, 'database')).toBe(
      'connect ECONNREFUSED <database>; connect ECONNREFUSED <database>',
    );
  });

  it('keeps file URLs, lines and columns of a stack', () => {
    const stack =
      'Error: x\n    at run (file:///app/dist/src/main.js:12:34)\n    at node:net:1555:16';
    expect(loggableText(stack)).toBe(stack);
  });

  it('is what errorMessage() says, for anything thrown', () => {
    expect(errorMessage(new Error('connect ECONNREFUSED 127.0.0.1:6379'))).toBe(
      'connect ECONNREFUSED <address>',
    );
    expect(errorMessage('plain words')).toBe('plain words');
    expect(errorMessage(42)).toBe('42');
  });
});
