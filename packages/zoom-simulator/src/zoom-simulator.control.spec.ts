import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http, startSim, type SimHarness } from './testing/sim-test-helpers.js';
import { ZoomSimulator } from './zoom-simulator.js';

describe(ZoomSimulator.name, () => {
  let h: SimHarness;

  afterEach(async () => {
    await h.close();
  });

  describe('control routes', () => {
    it('answers 404 on /__simulator/* unless control routes are enabled', async () => {
      h = await startSim();
      await expect(http(`${h.base}/__simulator/stats`).then((r) => r.status)).resolves.toBe(404);
    });

    it('serves stats, runs a control action by name and resets counters', async () => {
      h = await startSim({ controlRoutes: true });
      await h.token();
      const stats = await http(`${h.base}/__simulator/stats`);
      const call = (action: string, args: unknown[] = []) =>
        http(`${h.base}/__simulator/control`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ action, args }),
        });
      const invalidated = await call('invalidateLiveTokens');
      const secrets = await call('currentSecrets');
      const unknown = await call('close');
      const reset = await http(`${h.base}/__simulator/reset`, { method: 'POST' });
      const after = await http(`${h.base}/__simulator/stats`);
      expect([
        stats.body.tokensMinted,
        invalidated.body,
        secrets.body,
        unknown.status,
        reset.status,
        after.body.tokensMinted,
      ]).toEqual([1, 1, ['sim-client-secret'], 400, 200, 0]);
    });
  });

  describe('faults', () => {
    it('answers 5xx for the next n API calls, then recovers', async () => {
      h = await startSim();
      const token = await h.token();
      h.sim.control.failNext(1, { target: 'api' });
      const failed = await h.api(token, 'GET', '/users/me');
      const ok = await h.api(token, 'GET', '/users/me');
      expect([failed.status, ok.status]).toEqual([503, 200]);
    });

    it('drops API connections without answering', async () => {
      h = await startSim();
      const token = await h.token();
      h.sim.control.dropNext(1, { target: 'api' });
      await expect(h.api(token, 'GET', '/users/me')).rejects.toThrow();
      await expect(h.api(token, 'GET', '/users/me').then((r) => r.status)).resolves.toBe(200);
    });

    it('delays API answers by the configured latency', async () => {
      h = await startSim();
      const token = await h.token();
      h.sim.control.setApiLatency(120);
      const started = Date.now();
      await h.api(token, 'GET', '/users/me');
      expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    });

    it('clears faults on reset but keeps the credentials', async () => {
      h = await startSim();
      h.sim.control.failNext(5);
      h.sim.control.setTokenEndpointRateLimited(30);
      h.sim.control.reset();
      await expect(h.mint().then((r) => r.status)).resolves.toBe(200);
    });
  });

  describe('state file', () => {
    it('keeps users and meetings across restarts', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'zoom-sim-'));
      const stateFile = join(dir, 'nested', 'state.json');
      try {
        h = await startSim({ stateFile, rateLimits: false });
        const user = h.sim.control.addUser({ email: 'kept@example.com' });
        const token = await h.token();
        const made = await h.api(token, 'POST', `/users/${user.id}/meetings`, { topic: 'Kept' });
        await h.close();

        h = await startSim({ stateFile, rateLimits: false });
        const again = await h.token();
        const got = await h.api(again, 'GET', `/meetings/${made.body.id}`);
        const listed = await h.api(again, 'GET', '/users/kept@example.com/meetings');
        expect([got.status, got.body.topic, listed.body.total_records]).toEqual([200, 'Kept', 1]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
