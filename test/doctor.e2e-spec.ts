import { existsSync } from 'node:fs';
import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { CLI, runCli } from './support/gateway-process.js';
import { createPostgresDatabase, testEncryptionKey } from './support/services.js';

const SIM = {
  accountId: 'doctor-account',
  clientId: 'doctor-client',
  clientSecret: 'doctor-secret-0a9b8c7d',
};

interface DoctorRun {
  code: number | null;
  stdout: string;
  stderr: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the report is checked field by field
  report: any;
}

/** `npm run doctor -- --json` as an operator runs it: a separate process against a fresh database. */
async function doctor(env: Record<string, string>, args = ['--json']): Promise<DoctorRun> {
  const database = await createPostgresDatabase();
  try {
    const { code, stdout, stderr } = await runCli(['doctor', ...args], {
      DATABASE_URL: database.url,
      ENCRYPTION_KEY: testEncryptionKey(),
      ZOOM_ACCOUNT_ID: SIM.accountId,
      ZOOM_CLIENT_ID: SIM.clientId,
      ZOOM_CLIENT_SECRET: SIM.clientSecret,
      ...env,
    });
    let report: unknown;
    try {
      report = args.includes('--json') ? JSON.parse(stdout) : undefined;
    } catch {
      throw new Error(`doctor did not print JSON (exit ${code}):\n${stdout}\n${stderr}`);
    }
    return { code, stdout, stderr, report };
  } finally {
    await database.drop();
  }
}

describe('npm run doctor', () => {
  const simulator = new ZoomSimulator({ ...SIM });
  let env: Record<string, string>;

  beforeAll(async () => {
    if (!existsSync(CLI))
      throw new Error('dist/src/cli/main.js is missing: run `npm run build` first');
    await simulator.listen(0);
    env = { ZOOM_OAUTH_BASE_URL: simulator.baseUrl, ZOOM_API_BASE_URL: simulator.apiBaseUrl };
  });
  afterEach(() => simulator.control.reset({ modes: true }));
  afterAll(() => simulator.close());

  it('exits 0 and says healthy when Zoom accepts the credentials, recording its one mint as a probe', async () => {
    const run = await doctor(env);
    expect(run.code).toBe(0);
    expect(run.report.verdict.code).toBe('healthy');
    expect(run.report.call).toMatchObject({ route: 'GET /users/me', status: 200 });
    expect(run.report.token.ownerUserId).toBe(simulator.ownerUser.id);
    expect(run.report.mints.lastHour).toMatchObject({ minted: 1, byReason: { probe: 1 } });
    expect(simulator.control.stats().tokensMinted).toBe(1);
    expect(run.stdout).not.toContain(SIM.clientSecret);
    expect(run.stdout).not.toMatch(/eyJ[\w-]+\.[\w-]+/); // no token
  });

  it('blames the client id or secret when Zoom answers invalid_client', async () => {
    const run = await doctor({ ...env, ZOOM_CLIENT_SECRET: 'a-wrong-secret-123456' });
    expect(run.code).toBe(2);
    expect(run.report.verdict.code).toBe('wrong_client_credentials');
    expect(run.report.verdict.zoom).toMatchObject({ status: 400, code: 'invalid_client' });
    expect(run.stdout).not.toContain('a-wrong-secret-123456');
    expect(simulator.control.stats().apiCalls).toBe(0);
  });

  it('blames the account id when the client is right but the account is not', async () => {
    const run = await doctor({ ...env, ZOOM_ACCOUNT_ID: 'another-account' });
    expect(run.code).toBe(3);
    expect(run.report.verdict.code).toBe('wrong_account_id');
    expect(run.report.verdict.nextStep).toContain('ZOOM_ACCOUNT_ID');
  });

  it('says the app is refused, and to transfer ownership and rotate, when a fresh token gets 401', async () => {
    simulator.control.setRefused(true);
    const run = await doctor(env);
    expect(run.code).toBe(4);
    expect(run.report.verdict.code).toBe('app_refused');
    expect(run.report.call).toMatchObject({ status: 401, zoomCode: 124 });
    expect(run.report.verdict.nextStep).toMatch(/transfer the app/);
    expect(run.report.verdict.nextStep).toMatch(/rotate-secret/);
    expect(simulator.control.stats().tokensMinted).toBe(1);
  });

  it('names the missing scopes', async () => {
    simulator.control.setScopes(['meeting:write:meeting:admin', 'meeting:read:meeting:admin']);
    const run = await doctor(env);
    expect(run.code).toBe(5);
    expect(run.report.verdict.code).toBe('missing_scopes');
    expect(run.report.verdict.missingScopes).toEqual(['user:read:user', 'user:read:user:admin']);
    expect(run.report.verdict.summary).toContain('user:read:user:admin');
  });

  it('says until when the token endpoint rate limits the app', async () => {
    // Under ZOOM_RETRY_AFTER_CAP_SECONDS (60 by default), so Zoom's own Retry-After is what shows.
    simulator.control.setTokenEndpointRateLimited(45);
    const before = Date.now();
    const run = await doctor(env);
    expect(run.code).toBe(6);
    expect(run.report.verdict.code).toBe('rate_limited');
    const retryAt = Date.parse(run.report.verdict.retryAt);
    expect(retryAt).toBeGreaterThanOrEqual(before + 44_000);
    expect(retryAt).toBeLessThanOrEqual(Date.now() + 46_000);
    expect(run.report.mints.lastHour.byOutcome).toEqual({ rate_limited: 1 });
  });

  it('says Zoom is unreachable when nothing listens at the OAuth base URL', async () => {
    const closed = new ZoomSimulator();
    const url = await closed.listen(0);
    await closed.close();
    const run = await doctor({ ZOOM_OAUTH_BASE_URL: url, ZOOM_API_BASE_URL: `${url}/v2` });
    expect(run.code).toBe(7);
    expect(run.report.verdict.code).toBe('unreachable');
    expect(run.report.verdict.nextStep).toContain('ZOOM_OAUTH_BASE_URL');
  });
});
