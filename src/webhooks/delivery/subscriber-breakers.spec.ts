import { retryDelayMs } from './delivery-worker.service.js';
import { SubscriberBreakers } from './subscriber-breakers.js';

const T = Date.UTC(2025, 10, 28, 12, 0, 0);

describe(SubscriberBreakers.name, () => {
  it('stays closed for two failures in a row and gives one attempt at a time from the third', () => {
    const breakers = new SubscriberBreakers();
    const states: string[] = [breakers.state('s', T)];
    for (let i = 0; i < 4; i++) {
      breakers.failed('s', T);
      states.push(breakers.state('s', T));
    }
    expect(states).toEqual(['closed', 'closed', 'closed', 'half-open', 'half-open']);
    expect(breakers.blocked(T)).toEqual([]);
  });

  it('opens for a second at the fifth failure, then half-opens for one attempt', () => {
    const breakers = new SubscriberBreakers();
    for (let i = 0; i < 5; i++) breakers.failed('s', T);
    expect(breakers.state('s', T + 999)).toBe('open');
    expect(breakers.blocked(T + 999)).toEqual(['s']);
    expect(breakers.state('s', T + 1_000)).toBe('half-open');
    expect(breakers.blocked(T + 1_000)).toEqual([]);
  });

  it('doubles the open time with each further failure, up to a minute', () => {
    const breakers = new SubscriberBreakers();
    const openFor: number[] = [];
    for (let i = 1; i <= 12; i++) {
      breakers.failed('s', T);
      if (i < 5) continue;
      let ms = 0;
      while (breakers.state('s', T + ms) === 'open') ms += 1_000;
      openFor.push(ms);
    }
    expect(openFor).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
  });

  it('closes on a success and keeps each subscription’s failures its own', () => {
    const breakers = new SubscriberBreakers();
    for (let i = 0; i < 5; i++) {
      breakers.failed('a', T);
      breakers.failed('b', T);
    }
    breakers.failed('c', T);
    breakers.succeeded('a');
    expect(['a', 'b', 'c'].map((id) => breakers.state(id, T))).toEqual([
      'closed',
      'open',
      'closed',
    ]);
    expect(breakers.blocked(T)).toEqual(['b']);
    breakers.failed('a', T);
    expect(breakers.state('a', T)).toBe('closed');
  });
});

describe(retryDelayMs.name, () => {
  it('waits a second after the first failure, doubling after each one', () => {
    expect([1, 2, 3, 4, 10].map((attempts) => retryDelayMs(attempts, 0.5))).toEqual([
      1_000, 2_000, 4_000, 8_000, 512_000,
    ]);
  });

  it('waits at most an hour', () => {
    expect(retryDelayMs(13, 0.5)).toBe(3_600_000);
    expect(retryDelayMs(40, 0.5)).toBe(3_600_000);
  });

  it('jitters each wait by up to half either way', () => {
    expect([0, 0.25, 0.999].map((random) => retryDelayMs(1, random))).toEqual([500, 750, 1_499]);
    expect(retryDelayMs(40, 0)).toBe(1_800_000);
  });

  it('takes no attempts yet as the first wait', () => {
    expect(retryDelayMs(0, 0.5)).toBe(1_000);
  });
});
