import { DEFAULT_TIMING, refreshAt, replicaJitter, usableUntil } from './token-timing.js';

describe('token timing', () => {
  const hour = { mintedAt: 0, expiresAt: 3_600_000 };
  const short = { mintedAt: 0, expiresAt: 20_000 };

  it('opens the refresh window in the last 10-20% of the lifetime for 3600 s and 20 s tokens', () => {
    for (const jitter of [0, 0.5, 0.999]) {
      const hourShare = (hour.expiresAt - refreshAt(hour, jitter)) / 3_600_000;
      const shortShare = (short.expiresAt - refreshAt(short, jitter)) / 20_000;
      expect(hourShare).toBeGreaterThanOrEqual(0.1);
      expect(hourShare).toBeLessThanOrEqual(0.2);
      expect(shortShare).toBeGreaterThanOrEqual(0.1);
      expect(shortShare).toBeLessThanOrEqual(0.2);
    }
  });

  it('stops handing out a token before it expires, after the refresh window opened', () => {
    expect(usableUntil(short)).toBe(19_000);
    expect(usableUntil(hour)).toBe(3_600_000 - DEFAULT_TIMING.maxSafetyMs);
    expect(refreshAt(short, 0)).toBeLessThan(usableUntil(short));
  });

  it('gives each replica a stable jitter spread over [0, 1)', () => {
    expect(replicaJitter('a')).toBe(replicaJitter('a'));
    const values = Array.from({ length: 50 }, (_, i) => replicaJitter(`replica-${i}`));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(new Set(values.map((v) => Math.floor(v * 4))).size).toBe(4);
  });
});
