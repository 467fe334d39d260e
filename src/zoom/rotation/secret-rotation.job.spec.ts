// Integration: the automated rotation inside the whole gateway module graph (real SQLite, the
// Zoom API client and token service), against the in-process simulator's rotate endpoint.
import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../../app.module.js';
import { Clock } from '../../common/clock.js';
import { loadConfig } from '../../config/app-config.js';
import { FakeClock } from '../../common/testing/fake-clock.js';
import { JobsService } from '../../coordination/jobs.service.js';
import { LeaseService } from '../../coordination/lease.service.js';
import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { testEncryptionKey } from '../../../test/support/services.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import { CredentialsStore } from '../credentials/credentials.store.js';
import {
  REVOKE_GRACE_MS,
  ROTATION_CHECK_INTERVAL_MS,
  ROTATION_CHECK_JOB,
  SecretRotationJob,
} from './secret-rotation.job.js';
import {
  ACCOUNT_ID,
  APP_ID,
  CLIENT_ID,
  logger,
} from '../credentials/testing/credentials-harness.js';

const INITIAL_SECRET = 'job-initial-secret-0001';
const HOUR = 3_600_000;

describe(SecretRotationJob.name, () => {
  let simulator: ZoomSimulator;
  let app: INestApplicationContext;
  let job: SecretRotationJob;
  let credentials: CredentialsService;
  let store: CredentialsStore;
  // Real time (Redis-free lease expiries and the database see it too) plus what the test adds.
  const clock = new FakeClock('real');

  beforeAll(async () => {
    simulator = new ZoomSimulator({
      accountId: ACCOUNT_ID,
      clientId: CLIENT_ID,
      clientSecret: INITIAL_SECRET,
      appId: APP_ID,
      rateLimits: false,
    });
    await simulator.listen(0);
    const dataDir = mkdtempSync(join(tmpdir(), 'zg-rotation-job-'));
    const config = loadConfig({
      DATABASE_URL: `sqlite:${join(dataDir, 'gateway.sqlite')}`,
      DATA_DIR: dataDir,
      ENCRYPTION_KEY: testEncryptionKey(),
      API_KEYS: 'tester:tester-key-0123456789',
      ZOOM_ACCOUNT_ID: ACCOUNT_ID,
      ZOOM_CLIENT_ID: CLIENT_ID,
      ZOOM_CLIENT_SECRET: INITIAL_SECRET,
      ZOOM_OAUTH_BASE_URL: simulator.baseUrl,
      ZOOM_API_BASE_URL: simulator.apiBaseUrl,
      ZOOM_APP_ID: APP_ID,
      ZOOM_SECRET_ROTATION_INTERVAL_HOURS: '24',
      ZOOM_SECRET_ROTATION_OVERLAP_MINUTES: '15',
      LOG_LEVEL: 'silent',
    });
    const module = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
      .overrideProvider(Clock)
      .useValue(clock)
      .setLogger(logger)
      .compile();
    app = await module.init();
    job = app.get(SecretRotationJob);
    credentials = app.get(CredentialsService);
    store = app.get(CredentialsStore);
  });

  afterAll(async () => {
    await app?.close();
    await simulator?.close();
  });

  it('does nothing while the active version is younger than the interval', async () => {
    await expect(job.rotateIfDue()).resolves.toBeNull();
    expect(simulator.control.currentSecrets()).toEqual([INITIAL_SECRET]);
  });

  it("rotates through Zoom's API once the interval has passed: new secret active, old one revoked after the grace", async () => {
    clock.advance(25 * HOUR);
    const sleeps: number[] = [];
    clock.onSleep = (ms) => {
      sleeps.push(ms);
      // Both secrets still work while the fleet switches.
      if (ms === REVOKE_GRACE_MS) expect(simulator.control.currentSecrets()).toHaveLength(2);
    };
    const result = await job.rotateIfDue();
    clock.onSleep = undefined;
    expect(result).toMatchObject({
      version: 2,
      oldSecretRevoked: true,
      changed: true,
    });
    const [fresh] = simulator.control.currentSecrets();
    expect(simulator.control.currentSecrets()).toHaveLength(1);
    expect(credentials.active()).toMatchObject({
      version: 2,
      clientSecret: fresh,
    });
    expect(sleeps).toContain(REVOKE_GRACE_MS);
    await expect(store.findVersion(2)).resolves.toMatchObject({
      source: 'automated',
      createdBy: 'automated-rotation',
    });
    expect(credentials.rotationAlarm()).toBeNull();
  });

  it('leaves a scheduler window to the replica that claimed it first', async () => {
    clock.advance(25 * HOUR);
    // Another replica claimed this window: due or not, this one skips it.
    await expect(
      app.get(LeaseService).claimInterval(ROTATION_CHECK_JOB, ROTATION_CHECK_INTERVAL_MS),
    ).resolves.toBe(true);
    const jobs = app.get(JobsService);
    await expect(jobs.trigger(ROTATION_CHECK_JOB)).resolves.toBe(false);
    expect(credentials.active().version).toBe(2);
    clock.advance(ROTATION_CHECK_INTERVAL_MS);
    await expect(jobs.trigger(ROTATION_CHECK_JOB)).resolves.toBe(true);
    expect(credentials.active().version).toBe(3);
    expect(simulator.control.currentSecrets()).toHaveLength(1);
  });

  it('leaves the old secret active and raises an alarm when Zoom refuses to open a rotation', async () => {
    const before = credentials.active();
    simulator.control.failNext(1, { target: 'api', status: 500 });
    await expect(job.runNow('ops')).rejects.toMatchObject({ status: 502, code: 'rotation_failed' });
    expect(credentials.active().version).toBe(before.version);
    expect(credentials.rotationAlarm()).toMatchObject({
      stage: 'request_new',
    });
    await expect(store.lastRotationOutcome()).resolves.toMatchObject({
      event: 'rotation_failed',
      actor: 'ops',
    });
  });

  it('keeps the old secret alive at Zoom and active here when the new one cannot be validated', async () => {
    const before = credentials.active();
    simulator.control.failNext(10, { target: 'token', status: 503 });
    await expect(job.runNow('ops')).rejects.toMatchObject({ status: 502, code: 'rotation_failed' });
    simulator.control.reset();
    expect(credentials.active().version).toBe(before.version);
    // Zoom holds both secrets; the old (active) one's revocation was pushed out by a day.
    expect(simulator.control.currentSecrets()).toContain(before.clientSecret);
    expect(simulator.control.currentSecrets()).toHaveLength(2);
    expect(credentials.rotationAlarm()).toMatchObject({
      stage: 'validate',
    });
    expect(credentials.rotationAlarm()?.message).toMatch(/stays active/);
    const keptUntil = Date.parse(credentials.rotationAlarm()!.oldSecretRevokeAt!);
    expect(keptUntil - clock.now()).toBeGreaterThan(23 * HOUR);
    simulator.control.revokeOldSecret(); // end the dangling rotation: only the never-activated secret would remain
    simulator.control.reset({ credentials: true });
  });

  it('reports a failed revocation without undoing the new version', async () => {
    // Back to a clean slate at Zoom: the initial secret is accepted again; make it active here too.
    await store.withRotationLock(async () => {
      const staged = await store.stage({
        accountId: ACCOUNT_ID,
        clientId: CLIENT_ID,
        clientSecret: INITIAL_SECRET,
        source: 'api',
        actor: 'test',
      });
      await store.activate(staged.row.version, 'test');
      await credentials.activated(staged.credentials);
    });
    clock.onSleep = (ms) => {
      if (ms === REVOKE_GRACE_MS) simulator.control.failNext(1, { target: 'api', status: 500 });
    };
    const result = await job.runNow('ops');
    clock.onSleep = undefined;
    expect(result.oldSecretRevoked).toBe(false);
    expect(credentials.active().version).toBe(result.version);
    expect(credentials.rotationAlarm()).toMatchObject({
      stage: 'revoke_old',
    });
    expect(simulator.control.currentSecrets()).toHaveLength(2);
  });

  it('never logged a secret', () => {
    const lines = logger.lines.join('\n');
    expect(lines).toMatch(/ALARM: automated secret rotation failed/);
    expect(lines).not.toContain(INITIAL_SECRET);
  });
});
