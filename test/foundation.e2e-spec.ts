import { spawn } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { createPostgresDatabase, testEncryptionKey } from './support/services.js';
import {
  type GatewayProcess,
  generatedApiKey,
  json,
  startGateway,
} from './support/gateway-process.js';

/** Runs the built gateway with a bad environment and returns its exit code and output. */
async function startExpectingFailure(
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [resolve('dist/src/main.js')], {
    cwd: mkdtempSync(join(tmpdir(), 'zg-badconfig-')),
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  return { code, output };
}

describe('Foundation (embedded default)', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'zg-fresh-'));
  let gateway: GatewayProcess;

  beforeAll(async () => {
    // Nothing configured: no DATA_DIR, no DATABASE_URL, no ZOOM_*, no keys.
    gateway = await startGateway(
      { DATA_DIR: undefined, DATABASE_URL: undefined, HOST: undefined },
      { cwd },
    );
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('is live and says loudly that it runs against the embedded simulator', async () => {
    const response = await fetch(`${gateway.url}/health/live`);
    expect(response.status).toBe(200);
    expect(gateway.output()).toMatch(/EMBEDDED ZOOM SIMULATOR/);
    expect(gateway.output()).toMatch(/Single-instance mode/);
  });

  it('generates an API key into an owner-only file and prints its path, not the key', () => {
    const key = generatedApiKey(join(cwd, 'data'));
    const mode = statSync(join(cwd, 'data', 'api-key')).mode & 0o777;
    expect(mode).toBe(0o600);
    expect(gateway.output()).toContain(join(cwd, 'data', 'api-key'));
    expect(gateway.output()).not.toContain(key);
  });

  it('answers 401 JSON without a key and with a wrong key', async () => {
    const none = await fetch(`${gateway.url}/api/meetings`);
    await expect(none.json()).resolves.toMatchObject({ code: 'unauthorized' });
    const wrong = await fetch(`${gateway.url}/api/meetings`, {
      headers: { Authorization: 'Bearer nope-nope-nope' },
    });
    expect(wrong.status).toBe(401);
  });

  it('answers 404 JSON for an unknown route and 413 for a body over 1 MB', async () => {
    const key = generatedApiKey(join(cwd, 'data'));
    const unknown = await fetch(`${gateway.url}/no/such/route`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    expect(unknown.status).toBe(404);
    await expect(unknown.json()).resolves.toMatchObject({ code: 'route_not_found' });
    const big = await fetch(`${gateway.url}/v2/users/me/meetings`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ topic: 'x'.repeat(1_100_000) }),
    });
    expect(big.status).toBe(413);
    await expect(big.json()).resolves.toMatchObject({ message: expect.stringMatching(/1 MB/) });
  });

  it('serves the OpenAPI document', async () => {
    const response = await fetch(`${gateway.url}/docs-json`);
    await expect(response.json()).resolves.toMatchObject({
      openapi: expect.any(String),
      info: { title: 'zoom-gateway' },
    });
  });

  it('creates a meeting in the simulator with the generated key, and keeps its record across a restart', async () => {
    const key = generatedApiKey(join(cwd, 'data'));
    const created = await fetch(`${gateway.url}/v2/users/me/meetings`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        topic: 'Fresh clone',
        type: 2,
        start_time: '2030-01-01T10:00:00Z',
        duration: 30,
      }),
    });
    expect(created.status).toBe(201);
    const meeting = await json(created, z.looseObject({ id: z.number(), join_url: z.string() }));
    expect(meeting.join_url).toMatch(/^https?:\/\//);

    await gateway.stop();
    gateway = await startGateway(
      { DATA_DIR: undefined, DATABASE_URL: undefined, HOST: undefined },
      { cwd },
    );
    const record = await fetch(`${gateway.url}/api/meetings/${meeting.id}`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    expect(record.status).toBe(200);
    await expect(record.json()).resolves.toMatchObject({
      meetingId: String(meeting.id),
      status: 'active',
    });
    const again = await fetch(`${gateway.url}/v2/meetings/${meeting.id}`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    expect(again.status).toBe(200);
  });
});

describe('Foundation (bad configuration)', () => {
  const cases: Array<[string, Record<string, string>]> = [
    ['DATABASE_URL', { DATABASE_URL: 'mysql://localhost/zoom' }],
    ['PORT', { PORT: 'http' }],
    ['ENCRYPTION_KEY', { ENCRYPTION_KEY: 'c2hvcnQ=' }],
    ['API_KEYS', { API_KEYS: 'missing-the-colon' }],
  ];

  it.each(cases)('stops with a message naming %s', async (variable, env) => {
    const { code, output } = await startExpectingFailure(env);
    expect(code).not.toBe(0);
    expect(output).toMatch(new RegExp(`Invalid configuration: ${variable} `));
  });
});

describe('Foundation (PostgreSQL)', () => {
  it('starts three replicas at once against one empty database without a migration error', async () => {
    const database = await createPostgresDatabase();
    const env = {
      DATABASE_URL: database.url,
      ENCRYPTION_KEY: testEncryptionKey(),
      API_KEYS: 'app:app-key-0123456789abcdef',
    };
    const replicas: GatewayProcess[] = [];
    try {
      replicas.push(
        ...(await Promise.all([startGateway(env), startGateway(env), startGateway(env)])),
      );
      for (const replica of replicas) {
        const ready = await fetch(`${replica.url}/health/ready`);
        expect(ready.status).toBe(200);
        expect(replica.output()).not.toMatch(/QueryFailedError|already exists/);
      }
      const ran = replicas.filter((r) => /Ran migrations/.test(r.output()));
      expect(ran.length).toBe(1);
    } finally {
      await Promise.all(replicas.map((r) => r.stop()));
      await database.drop();
    }
  });
});
