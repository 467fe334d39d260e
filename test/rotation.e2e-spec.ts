// End to end: client-secret rotation without downtime, on built gateway processes against the
// Zoom simulator, real PostgreSQL and Redis. A recording proxy in front of the simulator's token
// endpoint collects every access token issued, so the final check can grep for all of them.
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { copyFileSync, cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { GatewayFleet, simulatorToken, sleep, zoomTime } from './support/fleet.js';
import {
  type GatewayAnswer,
  gatewayClient,
  meetingIdOf,
  objectOf,
} from './support/gateway-client.js';
import { bodyOf, type GatewayProcess, json } from './support/gateway-process.js';

const ADMIN_KEY = `admin-${randomBytes(12).toString('hex')}`;
const APP_KEY = `app-${randomBytes(12).toString('hex')}`;
const ACCOUNT_ID = 'rotation-e2e-account';
const CLIENT_ID = 'rotation-e2e-client';
const APP_ID = 'rotation-e2e-app';
const OLD_SECRET = `old-secret-${randomBytes(10).toString('hex')}`;
const WRONG_SECRET = `wrong-secret-${randomBytes(10).toString('hex')}`;

const secretPrint = (secret: string) =>
  createHash('sha256').update(secret).digest('hex').slice(0, 12);

interface Recorder {
  url: string;
  tokens: Set<string>;
  close(): Promise<void>;
}

/** Forwards everything to the simulator and remembers every access_token it hands out. */
async function recordingProxy(target: string): Promise<Recorder> {
  const tokens = new Set<string>();
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          try {
            const parsed: { access_token?: string } = JSON.parse(body.toString('utf8'));
            if (parsed.access_token) tokens.add(parsed.access_token);
          } catch {
            // not JSON
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(body);
        });
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy is not listening on a port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    tokens,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** A call the gateway never answered (within 20 s) is an answer with status 0, counted as failed. */
const call = gatewayClient({ key: APP_KEY, timeoutMs: 20_000, unanswered: 'status 0' });

/** The fields of the credential overview these tests read. */
const Overview = z.looseObject({
  active: z.looseObject({ version: z.number(), fingerprint: z.string() }).nullish(),
  automatedRotation: z.looseObject({ alarm: z.unknown() }).nullish(),
  events: z
    .array(z.looseObject({ version: z.number(), event: z.string(), actor: z.string() }))
    .optional(),
});
const overviewOf = (answer: GatewayAnswer) => bodyOf(Overview, answer.json);

/** Steady load on every replica: meeting reads (and an occasional create) until stopped. */
function steadyLoad(replicas: GatewayProcess[], meetingId: string) {
  const results: Array<{ status: number; at: number; replica: number; text: string }> = [];
  const state = { running: true };
  const workers = replicas.flatMap((replica, index) =>
    Array.from({ length: 3 }, async (_, w) => {
      let n = 0;
      while (state.running) {
        const create = ++n % 10 === 0;
        const answer = create
          ? await call(replica, 'POST', '/v2/users/me/meetings', {
              body: { topic: `load ${index}.${w}`, type: 2, duration: 30 },
            })
          : await call(replica, 'GET', `/v2/meetings/${meetingId}`);
        results.push({
          status: answer.status,
          at: Date.now(),
          replica: index,
          text: answer.text.slice(0, 300),
        });
        await sleep(25);
      }
    }),
  );
  return {
    results,
    async stop() {
      state.running = false;
      await Promise.all(workers);
    },
  };
}

describe('Credential rotation', () => {
  let simulator: ZoomSimulator;
  let proxy: Recorder;
  let fleet: GatewayFleet;
  let replicas: GatewayProcess[] = [];
  /** Every secret this test saw: none may appear in plaintext anywhere. */
  const secrets = new Set<string>([OLD_SECRET, WRONG_SECRET]);
  let meetingId: string;
  let cliRoot: string | undefined;

  beforeAll(async () => {
    simulator = new ZoomSimulator({
      accountId: ACCOUNT_ID,
      clientId: CLIENT_ID,
      clientSecret: OLD_SECRET,
      appId: APP_ID,
      // Short-lived tokens, so the fleet refreshes (mints) several times during the test.
      tokenLifetimeSeconds: 6,
      rateLimits: false,
      dailyMeetingLimitPerUser: 1_000_000,
    });
    await simulator.listen(0);
    proxy = await recordingProxy(simulator.baseUrl);
    fleet = await GatewayFleet.open({
      simulator,
      credentials: { accountId: ACCOUNT_ID, clientId: CLIENT_ID, clientSecret: OLD_SECRET },
      apiKeys: { app: APP_KEY },
      adminKeys: { ops: ADMIN_KEY },
      extra: {
        ZOOM_OAUTH_BASE_URL: proxy.url,
        ZOOM_APP_ID: APP_ID,
        ZOOM_RATE_LIMIT_PLAN: 'business',
        // The stand-in allows a host a million creates a day, and the gateway is told so.
        ZOOM_RATE_LIMITS: 'host_user=1000000/day',
      },
    });
    await fleet.start(['replica-a', 'replica-b'], { oneByOne: true });
    replicas = fleet.replicas;
    // The CLI runs from a snapshot of the build: other suites may rebuild dist/ meanwhile.
    cliRoot = mkdtempSync(join(tmpdir(), 'zg-rotation-cli-'));
    cpSync(resolve('dist'), join(cliRoot, 'dist'), { recursive: true });
    copyFileSync(resolve('package.json'), join(cliRoot, 'package.json'));
    symlinkSync(resolve('node_modules'), join(cliRoot, 'node_modules'), 'dir');
    const created = await call(replicas[0], 'POST', '/v2/users/me/meetings', {
      body: { topic: 'rotation e2e', type: 2, duration: 30 },
    });
    expect(created.status).toBe(201);
    meetingId = String(meetingIdOf(created));
  });

  afterAll(async () => {
    await fleet?.close();
    await proxy?.close();
    if (cliRoot) rmSync(cliRoot, { recursive: true, force: true });
  });

  /** Mints a token at the simulator for the test itself (recorded too) and opens an overlap window. */
  async function openOverlap(currentSecret: string): Promise<string> {
    const token = await simulatorToken(proxy.url, {
      accountId: ACCOUNT_ID,
      clientId: CLIENT_ID,
      clientSecret: currentSecret,
    });
    const opened = await fetch(
      `${simulator.apiBaseUrl}/marketplace/apps/${APP_ID}/rotate_client_secret`,
      {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          action: 'new',
          revoke_old_secret_time: zoomTime(Date.now() + 3_600_000),
        }),
      },
    );
    const { new_secret: fresh } = await json(opened, z.looseObject({ new_secret: z.string() }));
    secrets.add(fresh);
    return fresh;
  }

  const mints = () => simulator.control.stats().mintsBySecret;
  let newSecret: string;

  it('rotates under steady load on two replicas with no failed request, every later mint using the new secret', async () => {
    const load = steadyLoad(replicas, meetingId);
    await sleep(1_500);
    newSecret = await openOverlap(OLD_SECRET);

    const rotated = await call(replicas[0], 'POST', '/api/admin/zoom/credentials', {
      key: ADMIN_KEY,
      body: { clientSecret: newSecret },
    });
    const oldMintsAtRotation = mints()[secretPrint(OLD_SECRET)] ?? 0;
    expect(rotated.status).toBe(200);
    expect(rotated.json).toMatchObject({
      version: 2,
      clientId: CLIENT_ID,
    });
    expect(rotated.text).not.toContain(newSecret);

    // Both replicas use version 2 within a second (pub/sub), and they say so.
    await sleep(1_000);
    for (const replica of replicas) {
      const overview = await call(replica, 'GET', '/api/admin/zoom/credentials', {
        key: ADMIN_KEY,
      });
      expect(overviewOf(overview).active).toMatchObject({
        version: 2,
        fingerprint: objectOf(rotated).fingerprint,
      });
    }
    await sleep(2_000);

    // Zoom revokes the old secret; the fleet must not notice, through at least one token refresh.
    simulator.control.revokeOldSecret();
    expect(simulator.control.currentSecrets()).toEqual([newSecret]);
    await sleep(7_000);
    await load.stop();

    const failed = load.results.filter((r) => r.status < 200 || r.status >= 300);
    expect(failed).toEqual([]);
    expect(load.results.length).toBeGreaterThan(100);
    expect(new Set(load.results.map((r) => r.replica)).size).toBe(2);
    const after = mints();
    expect(after[secretPrint(OLD_SECRET)] ?? 0).toBe(oldMintsAtRotation);
    // The validation mint (handed to the fleet as its token) and at least one refresh.
    expect(after[secretPrint(newSecret)] ?? 0).toBeGreaterThanOrEqual(2);
    console.log(
      `rotation under load: ${load.results.length} requests, 0 failed; mints old=${after[secretPrint(OLD_SECRET)]} new=${after[secretPrint(newSecret)]}`,
    );
  });

  it('answers 422 for a secret Zoom refuses and keeps working on the active one', async () => {
    const refused = await call(replicas[1], 'POST', '/api/admin/zoom/credentials', {
      key: ADMIN_KEY,
      body: { clientSecret: WRONG_SECRET },
    });
    expect(refused.status).toBe(422);
    expect(refused.json).toEqual({
      code: 'credentials_rejected',
      message: 'Invalid client_id or client_secret',
    });
    for (const replica of replicas) {
      await expect(
        call(replica, 'GET', `/v2/meetings/${meetingId}`).then((a) => a.status),
      ).resolves.toBe(200);
      const overview = await call(replica, 'GET', '/api/admin/zoom/credentials', {
        key: ADMIN_KEY,
      });
      expect(overviewOf(overview).active?.version).toBe(2);
    }
  });

  it('answers 403 to an app key and 400 to a malformed body without echoing it', async () => {
    const forbidden = await call(replicas[0], 'POST', '/api/admin/zoom/credentials', {
      body: { clientSecret: WRONG_SECRET },
    });
    expect([forbidden.status, objectOf(forbidden).code]).toEqual([403, 'forbidden']);
    const malformed = await call(replicas[0], 'POST', '/api/admin/zoom/credentials', {
      key: ADMIN_KEY,
      body: { clientSecret: `${WRONG_SECRET} with spaces`, extra: 1 },
    });
    expect([malformed.status, objectOf(malformed).code]).toEqual([400, 'validation_failed']);
    expect(malformed.text).not.toContain(WRONG_SECRET);
  });

  it('starts a later replica with only the old secret in its environment on the stored new one', async () => {
    const [late] = await fleet.start(['replica-c']);
    expect(late.output()).toMatch(/version 2 is active .*retired version 1 and is ignored/);
    const overview = await call(late, 'GET', '/api/admin/zoom/credentials', { key: ADMIN_KEY });
    expect(overviewOf(overview).active?.version).toBe(2);
    // Through a full token lifetime on the late replica alone: the old secret (revoked at Zoom) is never tried.
    const before = simulator.control.stats();
    const load = steadyLoad([late], meetingId);
    await sleep(7_000);
    await load.stop();
    const after = simulator.control.stats();
    expect(load.results.filter((r) => r.status < 200 || r.status >= 300)).toEqual([]);
    expect(after.tokenErrors.invalid_client ?? 0).toBe(before.tokenErrors.invalid_client ?? 0);
    expect(after.mintsBySecret[secretPrint(OLD_SECRET)] ?? 0).toBe(
      before.mintsBySecret[secretPrint(OLD_SECRET)] ?? 0,
    );
  });

  it('rotates from the CLI with the secret on stdin, and running replicas pick it up', async () => {
    const cliSecret = await openOverlap(newSecret);
    const refusedArgv = await runCli(['rotate-secret', cliSecret], '');
    expect(refusedArgv.code).toBe(64);
    expect(refusedArgv.output).not.toContain(cliSecret);

    const cli = await runCli(['rotate-secret'], `${cliSecret}\n`);
    if (cli.code !== 0) console.log(cli.output);
    expect(cli.code).toBe(0);
    // Version 3 went to the refused secret above: refused candidates keep their number.
    expect(cli.output).toMatch(/Version 4 .* is active/);
    expect(cli.output).not.toContain(cliSecret);
    await sleep(1_000);
    for (const replica of replicas) {
      const overview = await call(replica, 'GET', '/api/admin/zoom/credentials', {
        key: ADMIN_KEY,
      });
      expect(overviewOf(overview).active?.version).toBe(4);
    }
    const events =
      overviewOf(await call(replicas[0], 'GET', '/api/admin/zoom/credentials', { key: ADMIN_KEY }))
        .events ?? [];
    expect(events.filter((e) => e.version === 4).map((e) => e.event)).toEqual([
      'activated',
      'staged',
    ]);
    expect(events.find((e) => e.version === 4)?.actor).toMatch(/^cli:/);
    expect(events.filter((e) => e.version === 3).map((e) => [e.event, e.actor])).toEqual([
      ['rejected', 'ops'],
      ['staged', 'ops'],
    ]);
    simulator.control.revokeOldSecret();
    for (const replica of replicas) {
      await expect(
        call(replica, 'GET', `/v2/meetings/${meetingId}`).then((a) => a.status),
      ).resolves.toBe(200);
    }
  });

  it("rotates automatically through Zoom's rotate endpoint: new secret active, old one revoked", async () => {
    const before = simulator.control.currentSecrets();
    const rotated = await call(replicas[1], 'POST', '/api/admin/zoom/credentials/rotations', {
      key: ADMIN_KEY,
    });
    if (rotated.status !== 200) console.log(rotated.text);
    expect(rotated.status).toBe(200);
    expect(rotated.json).toMatchObject({
      version: 5,
      oldSecretRevoked: true,
    });
    const now = simulator.control.currentSecrets();
    now.forEach((s) => secrets.add(s));
    expect(now.length).toBe(1);
    expect(before).not.toContain(now[0]);
    for (const replica of replicas) {
      await expect(
        call(replica, 'GET', `/v2/meetings/${meetingId}`).then((a) => a.status),
      ).resolves.toBe(200);
    }
    // At least the validation mint; every replica already runs on the new version.
    expect(mints()[secretPrint(now[0])] ?? 0).toBeGreaterThanOrEqual(1);
    for (const replica of replicas) {
      const overview = await call(replica, 'GET', '/api/admin/zoom/credentials', {
        key: ADMIN_KEY,
      });
      expect(overviewOf(overview).active?.version).toBe(5);
    }
  });

  it('leaves the old secret active and raises an alarm when an automated rotation fails', async () => {
    const activeSecret = simulator.control.currentSecrets()[0];
    // 1. Zoom refuses to open a rotation.
    simulator.control.failNext(1, { target: 'api', status: 500 });
    const first = await call(replicas[0], 'POST', '/api/admin/zoom/credentials/rotations', {
      key: ADMIN_KEY,
    });
    expect([first.status, objectOf(first).code]).toEqual([502, 'rotation_failed']);
    expect(simulator.control.currentSecrets()).toEqual([activeSecret]);

    // 2. Zoom issues a new secret, but it cannot be validated: the old one stays active (and alive at Zoom).
    simulator.control.failNext(20, { target: 'token', status: 503 });
    const second = await call(replicas[0], 'POST', '/api/admin/zoom/credentials/rotations', {
      key: ADMIN_KEY,
    });
    simulator.control.reset();
    expect([second.status, objectOf(second).code]).toEqual([502, 'rotation_failed']);
    const pending = simulator.control.currentSecrets();
    pending.forEach((s) => secrets.add(s));
    expect(pending).toContain(activeSecret);
    await sleep(500);
    for (const replica of replicas) {
      const overview = await call(replica, 'GET', '/api/admin/zoom/credentials', {
        key: ADMIN_KEY,
      });
      expect(overviewOf(overview).active?.version).toBe(5);
      expect(overviewOf(overview).automatedRotation?.alarm).toMatchObject({
        stage: 'validate',
      });
      await expect(
        call(replica, 'GET', `/v2/meetings/${meetingId}`).then((a) => a.status),
      ).resolves.toBe(200);
    }
    expect(replicas[0].output()).toMatch(/ALARM: automated secret rotation failed at validate/);
  });

  it('leaves no secret and no access token in plaintext in PostgreSQL, Redis or any log line', async () => {
    const tokens = [...proxy.tokens];
    expect(tokens.length).toBeGreaterThanOrEqual(5);
    expect(secrets.size).toBeGreaterThanOrEqual(6);
    const needles = [...secrets, ...tokens];

    const dump = await promisify(execFile)('pg_dump', ['--data-only', fleet.database.url], {
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(dump.stdout).toContain('zoom_credentials');

    const keys = await fleet.redis.client.keys(`${fleet.redis.prefix}*`);
    const values: string[] = [];
    for (const key of keys) {
      const type = await fleet.redis.client.type(key);
      if (type === 'string') values.push(key, (await fleet.redis.client.get(key)) ?? '');
      else if (type === 'hash')
        values.push(key, JSON.stringify(await fleet.redis.client.hgetall(key)));
      else if (type === 'list')
        values.push(key, JSON.stringify(await fleet.redis.client.lrange(key, 0, -1)));
      else if (type === 'set')
        values.push(key, JSON.stringify(await fleet.redis.client.smembers(key)));
      else if (type === 'zset')
        values.push(key, JSON.stringify(await fleet.redis.client.zrange(key, 0, -1, 'WITHSCORES')));
      else values.push(key, type);
    }
    const redisText = values.join('\n');
    const logs = fleet.output();
    expect(logs).toMatch(/now using version 5/);

    const leaks: string[] = [];
    for (const needle of needles) {
      const label = `${secrets.has(needle) ? 'secret' : 'token'} ${secretPrint(needle)}`;
      if (dump.stdout.includes(needle)) leaks.push(`${label} in pg_dump`);
      if (redisText.includes(needle)) leaks.push(`${label} in Redis`);
      if (logs.includes(needle)) leaks.push(`${label} in logs`);
    }
    expect(leaks).toEqual([]);
    console.log(
      `leak check: ${secrets.size} secrets and ${tokens.length} tokens against ${dump.stdout.length} B of pg_dump, ${keys.length} Redis keys, ${logs.length} B of logs`,
    );
  });

  function runCli(args: string[], stdin: string): Promise<{ code: number | null; output: string }> {
    return new Promise((done) => {
      const child = spawn(process.execPath, [join(cliRoot!, 'dist/src/cli/main.js'), ...args], {
        env: {
          PATH: process.env.PATH,
          ...fleet.env,
          ZOOM_CLIENT_SECRET: OLD_SECRET,
          DATA_DIR: mkdtempSync(join(tmpdir(), 'zg-cli-')),
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      child.stdin.end(stdin);
      child.once('exit', (code) => done({ code, output }));
    });
  }
});
