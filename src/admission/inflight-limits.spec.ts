import { describe, expect, it } from 'vitest';
import { DomainError, ErrorCode } from '../common/errors/index.js';
import { loadConfig } from '../config/app-config.js';
import { InflightLimits } from './inflight-limits.js';

function limits(max: number): InflightLimits {
  return new InflightLimits(loadConfig({ MAX_INFLIGHT_PER_APP: String(max) }));
}

describe('InflightLimits', () => {
  it('refuses an app its call beyond the cap with a local 429 and Retry-After, leaving other apps alone', () => {
    const inflight = limits(2);
    inflight.enter('noisy');
    inflight.enter('noisy');
    let refusal: DomainError | undefined;
    try {
      inflight.enter('noisy');
    } catch (error) {
      if (error instanceof DomainError) refusal = error;
    }
    expect(refusal?.code).toBe(ErrorCode.TooManyInFlight);
    expect(refusal?.options.headers).toMatchObject({ 'Retry-After': '1' });
    expect(() => inflight.enter('quiet')).not.toThrow();
  });

  it('gives a place back once, however often its release is called', () => {
    const inflight = limits(1);
    const leave = inflight.enter('app');
    leave();
    leave();
    expect(inflight.held('app')).toBe(0);
    const again = inflight.enter('app');
    expect(inflight.held('app')).toBe(1);
    expect(() => inflight.enter('app')).toThrow(DomainError);
    again();
  });

  it('defaults to a quarter of the upstream connections', () => {
    expect(loadConfig({}).maxInflightPerApp).toBe(64);
  });
});
