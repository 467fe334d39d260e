// End to end: one replica of a fleet is started with a mistyped ZOOM_CLIENT_SECRET. Zoom (the
// simulator) refuses it, so nothing changes for the fleet: both replicas keep serving with the
// stored working version, and the typo replica says so once, naming the variable.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { createScheduledMeeting, GatewayFleet } from './support/fleet.js';
import { gatewayClient } from './support/gateway-client.js';
import { bodyOf, type GatewayProcess, startGateway } from './support/gateway-process.js';

const APP_KEY = `app-${randomBytes(12).toString('hex')}`;
const ADMIN_KEY = `admin-${randomBytes(12).toString('hex')}`;
const CREDENTIALS = {
  accountId: 'typo-e2e-account',
  clientId: 'typo-e2e-client',
  clientSecret: `good-secret-${randomBytes(10).toString('hex')}`,
};
const WRONG_SECRET = `${CREDENTIALS.clientSecret.slice(0, -1)}X`;

const Overview = z.looseObject({
  active: z.looseObject({ version: z.number() }),
  environmentSecretRefused: z
    .looseObject({ variable: z.string(), outcome: z.string(), activeVersion: z.number() })
    .nullable(),
  versions: z.array(z.looseObject({ version: z.number(), state: z.string() })),
});

describe('a replica started with a mistyped ZOOM_CLIENT_SECRET', () => {
  const simulator = new ZoomSimulator(CREDENTIALS);
  const call = gatewayClient({ key: APP_KEY });
  let fleet: GatewayFleet;
  let good: GatewayProcess;
  let typo: GatewayProcess;

  beforeAll(async () => {
    fleet = await GatewayFleet.open({
      simulator,
      credentials: CREDENTIALS,
      apiKeys: { app: APP_KEY },
      adminKeys: { ops: ADMIN_KEY },
    });
    [good] = await fleet.start(['replica-good']);
    typo = await startGateway({
      ...fleet.env,
      REPLICA_ID: 'replica-typo',
      ZOOM_CLIENT_SECRET: WRONG_SECRET,
    });
    fleet.replicas.push(typo);
  });

  afterAll(async () => {
    await fleet?.close();
  });

  async function overview(replica: GatewayProcess): Promise<z.infer<typeof Overview>> {
    const answer = await call(replica, 'GET', '/api/admin/zoom/credentials', { key: ADMIN_KEY });
    expect(answer.status).toBe(200);
    return bodyOf(Overview, answer.json);
  }

  it('leaves the fleet serving every create on both replicas', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const replica = i % 2 === 0 ? good : typo;
      const created = await call(replica, 'POST', '/v2/users/me/meetings', {
        body: { topic: `typo fleet ${i}`, type: 2, duration: 30 },
      });
      statuses.push(created.status);
    }
    expect(statuses).toEqual(Array.from({ length: 20 }, () => 201));
    await expect(createScheduledMeeting(call, typo, 'after the twenty')).resolves.toMatch(/^\d+$/);
  });

  it('keeps the stored working version active and records the refused one without its secret', async () => {
    const seen = await overview(typo);
    expect(seen).toMatchObject({
      active: { version: 1 },
      environmentSecretRefused: {
        variable: 'ZOOM_CLIENT_SECRET',
        outcome: 'rejected',
        activeVersion: 1,
      },
      versions: [
        { version: 1, state: 'active' },
        { version: 2, state: 'rejected' },
      ],
    });
    await expect(overview(good)).resolves.toMatchObject({
      active: { version: 1 },
      environmentSecretRefused: null,
    });
  });

  it('says so in readiness and diagnostics, in words naming the variable, and stays ready', async () => {
    const ready = await call(typo, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    const zoom = bodyOf(
      z.looseObject({
        details: z.looseObject({
          zoom: z.looseObject({
            status: z.string(),
            environmentSecretRefused: z.looseObject({ variable: z.string(), message: z.string() }),
          }),
        }),
      }),
      ready.json,
    ).details.zoom;
    expect(zoom).toMatchObject({
      status: 'degraded',
      environmentSecretRefused: { variable: 'ZOOM_CLIENT_SECRET' },
    });
    expect(zoom.environmentSecretRefused.message).toMatch(
      /ZOOM_CLIENT_SECRET .*was refused by Zoom.*stored credential version 1/,
    );
    const diagnostics = await call(typo, 'GET', '/api/admin/zoom/diagnostics', { key: ADMIN_KEY });
    const { warnings } = bodyOf(z.looseObject({ warnings: z.array(z.string()) }), diagnostics.json);
    expect(warnings.join('\n')).toContain('ZOOM_CLIENT_SECRET');
    const metrics = await (await fetch(`${typo.url}/metrics`)).text();
    expect(metrics).toMatch(/^zoom_credentials_environment_refused 1$/m);
    // The good replica says nothing of the kind.
    const goodReady = await call(good, 'GET', '/health/ready');
    expect(goodReady.text).not.toContain('environmentSecretRefused');
    for (const text of [ready.text, diagnostics.text]) {
      expect(text).not.toContain(WRONG_SECRET);
      expect(text).not.toContain(CREDENTIALS.clientSecret);
    }
  });

  it('logs one error naming the variable and never the secret', () => {
    const errors = typo
      .output()
      .split('\n')
      .filter((line) => line.includes('"level":50') && line.includes('ZOOM_CLIENT_SECRET'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('was refused by Zoom');
    expect(fleet.output()).not.toContain(WRONG_SECRET);
    expect(fleet.output()).not.toContain(CREDENTIALS.clientSecret);
  });
});
