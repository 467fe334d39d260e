import { DomainError } from '../../common/errors/index.js';
import { blockInWords, parseBlockScope, parseBlockScopeQuery } from './block-scope.js';

/** The field message of the 400 a parse throws, or 'accepted'. */
function refusal(parse: () => unknown): string {
  try {
    parse();
    return 'accepted';
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return `${error.code}: ${error.options.errors?.[0]?.message ?? ''}`;
  }
}

describe('parseBlockScope', () => {
  it('accepts a scope of every kind a block can close', () => {
    for (const scope of [
      'account:heavy+resource_intensive',
      'host:jane@example.com',
      'registrant:webinar:81234567890:a@b.example',
      'registrant_status:meeting:81234567890:a@b.example',
      'operation:GET /users/me',
    ])
      expect(parseBlockScope(scope)).toBe(scope);
  });

  it('accepts a scope of exactly 400 characters', () => {
    const scope = `operation:GET /${'a'.repeat(400 - 'operation:GET /'.length)}`;
    expect(parseBlockScope(scope)).toBe(scope);
  });

  it('refuses a scope longer than 400 characters with validation_failed', () => {
    expect(refusal(() => parseBlockScope(`host:${'a'.repeat(396)}`))).toBe(
      'validation_failed: Must be at most 400 characters.',
    );
  });

  it('refuses a scope of an unknown kind', () => {
    expect(refusal(() => parseBlockScope('user:jane@example.com'))).toMatch(
      /^validation_failed: Must start with one of account:, host:, registrant:/,
    );
  });

  it('refuses a kind that names nothing', () => {
    expect(refusal(() => parseBlockScope('host:'))).toMatch(/^validation_failed: Must start/);
  });

  it('refuses an empty scope, and one given twice in a query', () => {
    expect(refusal(() => parseBlockScope(''))).toBe('validation_failed: Must be given, once.');
    expect(refusal(() => parseBlockScopeQuery({ scope: ['host:a', 'host:b'] }))).toBe(
      'validation_failed: Must be given, once.',
    );
  });

  it('reads the scope from the query, where a scope with a slash can go', () => {
    expect(parseBlockScopeQuery({ scope: 'operation:GET /users/me' })).toBe(
      'operation:GET /users/me',
    );
  });

  it('refuses a query field other than scope', () => {
    expect(refusal(() => parseBlockScopeQuery({ scope: 'host:a', force: '1' }))).toBe(
      'validation_failed: Unknown field.',
    );
  });
});

describe('blockInWords', () => {
  it('names the scope, the end to the second and the reason', () => {
    expect(
      blockInWords({
        scope: 'host:jane@example.com',
        until: Date.UTC(2026, 11, 7),
        reason: 'You have reached the maximum daily rate limit for this API.',
      }),
    ).toBe(
      "Zoom's daily limit blocks host:jane@example.com until 2026-12-07T00:00:00Z: You have reached the maximum daily rate limit for this API.",
    );
  });
});
