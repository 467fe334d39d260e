// Fault injection on real processes: Zoom's token endpoint answers 429 with a Retry-After of
// 100000 s. The fleet must honour it no longer than ZOOM_RETRY_AFTER_CAP_SECONDS (3 s here), keep
// it in Redis no longer than that, and an admin reset must clear it at once.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { GatewayFleet, sleep } from './support/fleet.js';
import { gatewayClient } from './support/gateway-client.js';
import { bodyOf, type GatewayProcess, runCli, startGateway } from './support/gateway-process.js';

const APP_KEY = `app-${randomBytes(12).toString('hex')}`;
const ADMIN_KEY = `admin-${randomBytes(12).toString('hex')}`;
const CAP_SECONDS = 3;
/** Polling granularity and process scheduling: what a recovery may take beyond the cap. */
const MARGIN_MS = 1_500;

/** `npm run doctor -- <args>` against the fleet's database and Redis, as an operator runs it. */

const Audit = z.looseObject({
  events: z.array(z.looseObject({ actor: z.string(), action: z.string() })),
});

describe('a 429 with Retry-After: 100000 from the token endpoint', () => {
  const simulator = new ZoomSimulator({ rateLimits: false });
  const call = gatewayClient({ key: APP_KEY, timeoutMs: 30_000 });
  let fleet: GatewayFleet;
  let replicas: GatewayProcess[];

  beforeAll(async () => {
    fleet = await GatewayFleet.open({
      simulator,
      apiKeys: { app: APP_KEY },
      adminKeys: { ops: ADMIN_KEY },
      logLevel: 'warn',
      extra: { ZOOM_RETRY_AFTER_CAP_SECONDS: String(CAP_SECONDS) },
    });
    replicas = await fleet.start(['zoom-a', 'zoom-b']);
    for (const replica of replicas) expect((await list(replica)).status).toBe(200);
  });

  afterAll(async () => {
    await fleet?.close();
  });

  const list = (replica: GatewayProcess) => call(replica, 'GET', '/v2/users/me/meetings');

  /**
   * Zoom stops honouring the fleet's token and rate limits the token endpoint with a huge
   * Retry-After, for one answer: resolves with when the first call failed.
   */
  async function oneHugeRetryAfter(): Promise<number> {
    simulator.control.setTokenEndpointRateLimited(100_000);
    simulator.control.invalidateLiveTokens();
    const failed = await list(replicas[0]);
    const at = Date.now();
    expect(failed.status).toBe(503);
    expect(Number(failed.headers.get('retry-after'))).toBeLessThanOrEqual(CAP_SECONDS);
    simulator.control.setTokenEndpointRateLimited(null);
    return at;
  }

  it('costs the fleet at most the cap, and the shared back-off expires with it', async () => {
    const failedAt = await oneHugeRetryAfter();
    const ttl = await fleet.redis.client.pttl(`${fleet.redis.prefix}zoom-auth:state`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(CAP_SECONDS * 1_000);
    // Poll both replicas until each serves again.
    const recoveredAfter: number[] = [];
    for (const replica of replicas) {
      for (;;) {
        const answer = await list(replica);
        if (answer.status === 200) break;
        expect(answer.status).toBe(503);
        if (Date.now() - failedAt > CAP_SECONDS * 1_000 + 10_000) break;
        await sleep(100);
      }
      recoveredAfter.push(Date.now() - failedAt);
    }
    console.log(
      `[faults-zoom] Retry-After 100000 s with cap ${CAP_SECONDS} s: replicas serve again after ${recoveredAfter.join(' ms, ')} ms`,
    );
    for (const ms of recoveredAfter)
      expect(ms).toBeLessThanOrEqual(CAP_SECONDS * 1_000 + MARGIN_MS);
  });

  it('is cleared at once for the whole fleet by an admin reset, which is audited', async () => {
    const failedAt = await oneHugeRetryAfter();
    // Still backing off: fails fast without asking Zoom.
    expect((await list(replicas[1])).status).toBe(503);
    expect(
      (await call(replicas[0], 'POST', '/api/admin/zoom/auth/reset', { key: APP_KEY })).status,
    ).toBe(403);
    const reset = await call(replicas[0], 'POST', '/api/admin/zoom/auth/reset', { key: ADMIN_KEY });
    expect(reset.status).toBe(204);
    const resetAt = Date.now();
    const served: number[] = [];
    for (const replica of [replicas[1], replicas[0]]) {
      let answer = await list(replica);
      while (answer.status !== 200 && Date.now() - resetAt < 2_000) {
        await sleep(50);
        answer = await list(replica);
      }
      expect(answer.status).toBe(200);
      served.push(Date.now() - resetAt);
    }
    console.log(
      `[faults-zoom] admin reset ${resetAt - failedAt} ms into the back-off: replicas serve ${served.join(' ms, ')} ms after it`,
    );
    // Well before the back-off would have ended by itself.
    for (const ms of served) expect(resetAt + ms).toBeLessThan(failedAt + CAP_SECONDS * 1_000);
    const audit = await call(
      replicas[1],
      'GET',
      '/api/admin/audit?action=zoom_auth.backoff_reset',
      {
        key: ADMIN_KEY,
      },
    );
    expect(audit.status).toBe(200);
    expect(bodyOf(Audit, audit.json).events).toEqual([
      expect.objectContaining({ actor: 'ops', action: 'zoom_auth.backoff_reset' }),
    ]);
  });

  it('is cleared for the whole fleet by npm run doctor -- --reset-backoff', async () => {
    // The CLI takes seconds to start: a replica with a longer cap keeps the back-off until it runs.
    const patient = await startGateway({
      ...fleet.env,
      REPLICA_ID: 'zoom-patient',
      ZOOM_RETRY_AFTER_CAP_SECONDS: '60',
    });
    fleet.replicas.push(patient);
    expect((await list(patient)).status).toBe(200);
    simulator.control.setTokenEndpointRateLimited(100_000);
    simulator.control.invalidateLiveTokens();
    expect((await list(patient)).status).toBe(503);
    simulator.control.setTokenEndpointRateLimited(null);
    const run = await runCli(['doctor', '--reset-backoff', '--json'], fleet.env);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stderr).toMatch(/Back-off reset: cleared unreachable/);
    expect(JSON.parse(run.stdout)).toMatchObject({ verdict: { code: 'healthy' } });
    for (const replica of [patient, ...replicas]) expect((await list(replica)).status).toBe(200);
    const audit = await call(patient, 'GET', '/api/admin/audit?action=zoom_auth.backoff_reset', {
      key: ADMIN_KEY,
    });
    expect(bodyOf(Audit, audit.json).events[0]).toMatchObject({
      actor: expect.stringMatching(/^cli:/),
    });
  });
});
