import { type GatewayFleet, sleep } from './support/fleet.js';
import { meetingIdOf } from './support/gateway-client.js';
import { call, CREDENTIALS, createMeeting, startTokenFleet } from './support/token-fleet.js';

/**
 * One token for the fleet: three built replicas, real PostgreSQL and Redis, the simulator
 * counting what reaches Zoom.
 */
describe('ZoomTokenService (fleet of 3 replicas)', () => {
  let fleet: GatewayFleet;

  beforeAll(async () => {
    fleet = await startTokenFleet(3);
  });

  afterAll(async () => {
    await fleet?.close();
  });

  it('mints exactly one token for 600 concurrent creates on a cold fleet with a slow token endpoint', async () => {
    fleet.simulator.control.setTokenLatency(300);
    const results = await Promise.all(
      Array.from({ length: 600 }, (_, i) => createMeeting(fleet.replicas[i % 3], `cold ${i}`)),
    );
    fleet.simulator.control.setTokenLatency(0);
    const failures = results.filter((r) => r.status !== 201);
    if (failures.length)
      console.info(
        fleet
          .output()
          .split('\n')
          .filter((l) => /Unhandled error/.test(l))
          .slice(0, 2)
          .join('\n')
          .slice(0, 3000),
      );
    expect(failures.slice(0, 3)).toEqual([]);
    const stats = fleet.simulator.control.stats();
    expect(stats.tokenRequests).toBe(1);
    expect(stats.tokensMinted).toBe(1);
  });

  it('replaces a silently invalidated token with exactly one new mint for 300 concurrent requests', async () => {
    const meeting = await createMeeting(fleet.replicas[0]);
    const id = meetingIdOf(meeting);
    const before = fleet.simulator.control.stats();
    expect(fleet.simulator.control.invalidateLiveTokens()).toBe(1);
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        call(fleet.replicas[i % 3], 'GET', `/v2/meetings/${id}`),
      ),
    );
    const failures = results.filter((r) => r.status !== 200);
    expect(failures.slice(0, 3)).toEqual([]);
    const after = fleet.simulator.control.stats();
    expect(after.tokensMinted - before.tokensMinted).toBe(1);
    expect(after.invalidatedTokenUses).toBeGreaterThan(0);
  });

  it('keeps serving under steady load across several 20 s token lifetimes, about one mint per lifetime', async () => {
    const meeting = await createMeeting(fleet.replicas[0]);
    const id = meetingIdOf(meeting);
    fleet.simulator.control.setTokenLifetime(20);
    // Start from a 20 s token: retire the 3600 s one the way Zoom would.
    fleet.simulator.control.invalidateLiveTokens();
    await call(fleet.replicas[0], 'GET', `/v2/meetings/${id}`);
    const before = fleet.simulator.control.stats();
    const mintTimes: number[] = [];
    let lastMinted = before.tokensMinted;
    const results: number[] = [];
    const started = Date.now();
    const durationMs = 55_000;
    const workers = Array.from({ length: 6 }, async (_, w) => {
      while (Date.now() - started < durationMs) {
        const result = await call(fleet.replicas[w % 3], 'GET', `/v2/meetings/${id}`);
        results.push(result.status);
        const minted = fleet.simulator.control.stats().tokensMinted;
        if (minted > lastMinted) {
          for (let i = lastMinted; i < minted; i++) mintTimes.push(Date.now());
          lastMinted = minted;
        }
        await sleep(50);
      }
    });
    await Promise.all(workers);
    const after = fleet.simulator.control.stats();
    const mints = after.tokensMinted - before.tokensMinted;
    const bad = results.filter((s) => s !== 200);
    if (bad.length) {
      console.info(
        `steady load: ${bad.length} of ${results.length} failed, statuses ${[...new Set(bad)].join(',')}`,
      );
      console.info(
        fleet
          .output()
          .split('\n')
          .filter((l) => /Unhandled error|"level":50/.test(l))
          .slice(0, 2)
          .join('\n')
          .slice(0, 2000),
      );
    }
    expect(bad).toEqual([]);
    expect(results.length).toBeGreaterThan(1_000);
    expect(after.expiredTokenUses).toBe(0);
    expect(after.invalidatedTokenUses).toBe(before.invalidatedTokenUses);
    // 55 s of 20 s tokens refreshed in the last 10-20% of their life: 3 or 4 mints, never a burst.
    expect(mints).toBeGreaterThanOrEqual(2);
    expect(mints).toBeLessThanOrEqual(4);
    for (let i = 1; i < mintTimes.length; i++)
      expect(mintTimes[i] - mintTimes[i - 1]).toBeGreaterThan(2_000);
    fleet.simulator.control.setTokenLifetime(3600);
  });

  it('never writes a token or the client secret to any log line', async () => {
    const output = fleet.output();
    expect(output).not.toContain(CREDENTIALS.clientSecret);
    expect(output).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}/);
  });
});
