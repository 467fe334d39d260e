import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { createScheduledMeeting, eventually, GatewayFleet, patchInZoom } from './support/fleet.js';
import { gatewayClient, objectOf } from './support/gateway-client.js';
import { type GatewayProcess } from './support/gateway-process.js';

// Reconciliation end to end, webhooks off: built gateway processes on PostgreSQL and Redis in
// front of the in-test Zoom simulator, where meetings are deleted and changed behind the gateway's back.

const APP_KEY = 'app-key-0123456789abcdef';
const OPS_KEY = 'ops-key-0123456789abcdef';
const GET_ROUTE = 'GET /v2/meetings/:meetingId';

const api = gatewayClient({ key: APP_KEY });

const createMeeting = (gateway: GatewayProcess, topic: string, startInMs?: number) =>
  createScheduledMeeting(api, gateway, topic, startInMs);

/** GETs of a meeting that reached the simulator ("Zoom"), whatever they were answered. */
function zoomGets(simulator: ZoomSimulator): number {
  const byStatus = simulator.control.stats().apiCallsByRoute[GET_ROUTE] ?? {};
  return Object.values(byStatus).reduce((sum, n) => sum + n, 0);
}

const openFleet = (simulator: ZoomSimulator, reconcileIntervalSeconds: number) =>
  GatewayFleet.open({
    simulator,
    apiKeys: { app: APP_KEY },
    adminKeys: { ops: OPS_KEY },
    extra: { RECONCILE_INTERVAL: String(reconcileIntervalSeconds) },
  });

describe('MeetingsReconciler run by an operator (one replica, webhooks off)', () => {
  const simulator = new ZoomSimulator({ rateLimits: false });
  let fleet: GatewayFleet;
  let gateway: GatewayProcess | undefined;

  const reconcile = () => api(gateway!, 'POST', '/api/admin/reconcile', { key: OPS_KEY });
  const record = async (meetingId: string) =>
    (await api(gateway!, 'GET', `/api/meetings/${meetingId}`)).json;

  beforeAll(async () => {
    fleet = await openFleet(simulator, 3600);
    [gateway] = await fleet.start(1);
  });

  afterAll(async () => {
    await fleet?.close();
  });

  it('answers POST /webhooks/zoom with 404 and says at start-up that webhooks are off', async () => {
    const answer = await fetch(`${gateway!.url}/webhooks/zoom`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"event":"meeting.deleted","payload":{}}',
    });
    expect(answer.status).toBe(404);
    await expect(answer.json()).resolves.toMatchObject({ code: 'webhooks_disabled' });
    expect(gateway!.output()).toContain('Webhooks off');
  });

  it('refuses the route to a caller without an admin key', async () => {
    await expect(api(gateway!, 'POST', '/api/admin/reconcile')).resolves.toMatchObject({
      status: 403,
    });
  });

  it('marks a meeting deleted outside the gateway as deleted after one run, refreshes a changed one, and is idempotent', async () => {
    const gone = await createMeeting(gateway!, 'deleted in the portal');
    const changed = await createMeeting(gateway!, 'renamed in the portal');
    const kept = await createMeeting(gateway!, 'untouched');
    simulator.control.deleteMeetingOutOfBand(gone);
    // Another app renames one directly in Zoom; with webhooks off only reconciliation can notice.
    const patched = await patchInZoom(simulator, changed, { topic: 'renamed', duration: 50 });
    expect(patched).toBe(204);
    await expect(record(gone)).resolves.toMatchObject({ status: 'active' });

    const getsBefore = zoomGets(simulator);
    const first = await reconcile();
    expect(first).toMatchObject({
      status: 200,
      json: { trigger: 'manual', checked: 3, deleted: [gone], updated: [changed], errors: 0 },
    });
    expect(zoomGets(simulator) - getsBefore).toBe(3);
    await expect(record(gone)).resolves.toMatchObject({
      status: 'deleted',
      deletionReason: expect.stringContaining('reconciliation'),
    });
    await expect(record(changed)).resolves.toMatchObject({
      status: 'active',
      topic: 'renamed',
      duration: 50,
    });
    await expect(record(kept)).resolves.toMatchObject({ status: 'active', topic: 'untouched' });

    const second = await reconcile();
    expect(second).toMatchObject({
      status: 200,
      json: { checked: 2, deleted: [], updated: [] },
    });
    const metrics = await (await fetch(`${gateway!.url}/metrics`)).text();
    expect(metrics).toMatch(/meetings_reconciled_total\{change="active_to_deleted"\} 1/);
    expect(metrics).toMatch(/meetings_reconciled_total\{change="updated"\} 1/);
  });

  it('runs the same fleet-leased job from the creating-only admin route', async () => {
    const runsBefore = gateway!.output().split('Reconciliation run (manual)').length;
    const answer = await api(gateway!, 'POST', '/api/admin/meetings/reconcile', { key: OPS_KEY });
    expect(answer).toMatchObject({
      status: 200,
      json: { examined: 0, active: 0, failed: 0, pending: 0 },
    });
    await vi.waitFor(() =>
      expect(gateway!.output().split('Reconciliation run (manual)').length).toBe(runsBefore + 1),
    );
  });

  it('leaves meetings that start outside the window unchecked', async () => {
    const far = await createMeeting(gateway!, 'next year', 365 * 86_400_000);
    simulator.control.deleteMeetingOutOfBand(far);
    const run = await reconcile();
    expect(objectOf(run).deleted).toEqual([]);
    await expect(record(far)).resolves.toMatchObject({ status: 'active' });
  });
});

describe('MeetingsReconciler on a schedule (three replicas, RECONCILE_INTERVAL=3, webhooks off)', () => {
  const INTERVAL_S = 3;
  const simulator = new ZoomSimulator({ rateLimits: false });
  let fleet: GatewayFleet;
  let replicas: GatewayProcess[] = [];

  /** Every scheduled run logged by any replica: the interval window it claimed and who ran it. */
  function scheduledRuns(): { window: number; replica: string }[] {
    return replicas.flatMap((r) =>
      [
        ...r
          .output()
          .matchAll(/Reconciliation run \(scheduled, window (\d+)\) by replica ([\w.-]+)/g),
      ].map((m) => ({
        window: Number(m[1]),
        replica: m[2],
      })),
    );
  }

  beforeAll(async () => {
    fleet = await openFleet(simulator, INTERVAL_S);
    // All at once: migrations run under an advisory lock, so the three may race for it.
    replicas = await fleet.start(['r1', 'r2', 'r3'], { timeoutMs: 60_000 });
  });

  afterAll(async () => {
    await fleet?.close();
  });

  it('marks a meeting deleted outside the gateway as deleted within two intervals', async () => {
    const meetingId = await createMeeting(replicas[0], 'deleted behind our back');
    await createMeeting(replicas[1], 'still there');
    simulator.control.deleteMeetingOutOfBand(meetingId);
    const deletedAt = Date.now();
    const after = await eventually(
      async () => objectOf(await api(replicas[2], 'GET', `/api/meetings/${meetingId}`)),
      (r) => r.status === 'deleted',
      2 * INTERVAL_S * 1000 + 1000,
    );
    expect(after).toMatchObject({ status: 'deleted' });
    expect(Date.now() - deletedAt).toBeLessThanOrEqual(2 * INTERVAL_S * 1000 + 1000);
  });

  it('has exactly one replica do the work in each interval', async () => {
    // Watch whole intervals with one active meeting left: every run asks Zoom about it once.
    const runsBefore = scheduledRuns().length;
    const getsBefore = zoomGets(simulator);
    // Until four more intervals have been run (or the deadline says some were missed).
    await vi.waitFor(() => expect(scheduledRuns().length - runsBefore).toBeGreaterThanOrEqual(4), {
      timeout: 6 * INTERVAL_S * 1000,
      interval: 200,
    });
    const runs = scheduledRuns();
    const windows = runs.map((r) => r.window);
    const first = Math.min(...windows);
    const last = Math.max(...windows);
    // No window was run twice, and none was skipped: one run per interval for the fleet.
    expect(new Set(windows).size).toBe(windows.length);
    expect(windows.length).toBe(last - first + 1);
    expect(runs.length - runsBefore).toBeGreaterThanOrEqual(3);
    expect(runs.length - runsBefore).toBeLessThanOrEqual(5);
    // What reached Zoom agrees: one GET per run for the one active meeting (a run may straddle the edges).
    const gets = zoomGets(simulator) - getsBefore;
    expect(Math.abs(gets - (runs.length - runsBefore))).toBeLessThanOrEqual(1);
    // The counters of the three processes agree with the logs.
    let metricRuns = 0;
    for (const replica of replicas) {
      const text = await (await fetch(`${replica.url}/metrics`)).text();
      metricRuns += Number(
        /meetings_reconcile_runs_total\{trigger="scheduled"\} (\d+)/.exec(text)?.[1] ?? 0,
      );
    }
    expect(metricRuns).toBe(scheduledRuns().length);
  });
});
