import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { GatewayFleet, pair, sleep, zoomTime } from './support/fleet.js';
import { type GatewayAnswer, gatewayClient, meetingIdOf } from './support/gateway-client.js';
import type { GatewayProcess } from './support/gateway-process.js';

// A create that fails at Zoom (5xx, a dropped connection, a timeout after which Zoom made the
// meeting anyway), retried with its Idempotency-Key on another replica: answered within one Zoom
// timeout (15 s) with the meeting Zoom made, or a new attempt when it made none; exactly one
// meeting exists in Zoom. A retry waits only while the first attempt really runs. On SIGTERM,
// calls waiting in line (rate-limit queue, an Idempotency-Key) answer 503 with Retry-After
// while the call already at Zoom finishes.

const APP_KEY = 'app-key-0123456789abcdef';
/** The gateway's deadline for one call to Zoom's meetings API. */
const ZOOM_TIMEOUT_MS = 15_000;

/** A scheduled meeting's create body. */
const body = (topic: string) => ({
  topic,
  type: 2,
  duration: 30,
  start_time: zoomTime(Date.now() + 86_400_000),
});

/** What a call cut off by shutdown answers. */
const expectShutdownRefusal = (answer: GatewayAnswer) => {
  expect(answer.status, answer.text).toBe(503);
  expect(answer.json).toMatchObject({ code: expect.anything() });
  expect(answer.text).toContain('shutting down');
  expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
};

describe('idempotent retries after Zoom failed (fault injection, real processes)', () => {
  const simulator = new ZoomSimulator({ plan: 'business' });
  const call = gatewayClient({ key: APP_KEY, timeoutMs: 60_000 });
  const figures: Record<string, number | string> = {};
  let fleet: GatewayFleet;
  let first: GatewayProcess;
  let second: GatewayProcess;

  const create = (gateway: GatewayProcess, key: string, payload: object) =>
    call(gateway, 'POST', '/v2/users/me/meetings', {
      body: payload,
      headers: { 'Idempotency-Key': key },
    });
  const meetingsInZoom = () => simulator.control.stats().meetings;
  const timedRetry = async (key: string, payload: object) => {
    const started = Date.now();
    const answer = await create(second, key, payload);
    return { answer, ms: Date.now() - started };
  };

  beforeAll(async () => {
    fleet = await GatewayFleet.open({ simulator, apiKeys: { app: APP_KEY }, logLevel: 'warn' });
    [first, second] = pair(await fleet.start(2));
  });

  afterAll(async () => {
    console.log(`Idempotency fault figures: ${JSON.stringify(figures, null, 2)}`);
    await fleet?.close();
  });

  beforeEach(() => simulator.control.reset());

  it('after a Zoom 5xx (nothing made): a new attempt at once, one meeting', async () => {
    const payload = body('5xx then retry');
    const before = meetingsInZoom();
    simulator.control.failNext(1, { status: 500, target: 'api' });
    const failed = await create(first, 'key-5xx', payload);
    expect(failed.status).toBe(500);
    const { answer, ms } = await timedRetry('key-5xx', payload);
    expect(answer.status, answer.text).toBe(201);
    expect(ms).toBeLessThan(ZOOM_TIMEOUT_MS);
    expect(meetingsInZoom()).toBe(before + 1);
    figures['5xx: retry answered in (ms)'] = ms;
    // Settled: a third call replays the same meeting.
    const again = await create(first, 'key-5xx', payload);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(meetingIdOf(again)).toBe(meetingIdOf(answer));
  });

  it('after a dropped connection (nothing made): a new attempt at once, one meeting', async () => {
    const payload = body('dropped then retry');
    const before = meetingsInZoom();
    simulator.control.dropNext(1, { target: 'api' });
    const failed = await create(first, 'key-drop', payload);
    expect(failed.status).toBeGreaterThanOrEqual(500);
    const { answer, ms } = await timedRetry('key-drop', payload);
    expect(answer.status, answer.text).toBe(201);
    expect(ms).toBeLessThan(ZOOM_TIMEOUT_MS);
    expect(meetingsInZoom()).toBe(before + 1);
    figures['dropped: retry answered in (ms)'] = ms;
  });

  it('after a timeout (Zoom made it late): the meeting Zoom made, no second create', async () => {
    const payload = body('timeout then retry');
    const before = meetingsInZoom();
    // Zoom holds this create past the gateway's 15 s deadline, then makes the meeting anyway.
    simulator.control.setApiLatency(ZOOM_TIMEOUT_MS + 1_500);
    const firstAttempt = create(first, 'key-timeout', payload);
    await sleep(500);
    simulator.control.setApiLatency(0);
    const failed = await firstAttempt;
    expect(failed.status).toBe(504);
    const madeBy = Date.now() + 10_000;
    while (meetingsInZoom() === before && Date.now() < madeBy) await sleep(100);
    expect(meetingsInZoom()).toBe(before + 1);
    const { answer, ms } = await timedRetry('key-timeout', payload);
    expect(answer.status, answer.text).toBe(201);
    expect(answer.headers.get('idempotent-replayed')).toBe('true');
    expect(ms).toBeLessThan(ZOOM_TIMEOUT_MS);
    expect(meetingsInZoom()).toBe(before + 1);
    const record = await call(second, 'GET', `/api/meetings/${meetingIdOf(answer)}`);
    expect(record.json).toMatchObject({ status: 'active', topic: 'timeout then retry' });
    figures['timeout: retry answered in (ms)'] = ms;
  });

  it('while the first attempt is really in flight: the retry waits for its answer (no 409, no second create)', async () => {
    const payload = body('slow first attempt');
    const before = meetingsInZoom();
    simulator.control.setApiLatency(3_000);
    const firstAttempt = create(first, 'key-slow', payload);
    await sleep(500);
    const { answer, ms } = await timedRetry('key-slow', payload);
    const original = await firstAttempt;
    expect(original.status).toBe(201);
    expect(answer.status, answer.text).toBe(201);
    expect(answer.headers.get('idempotent-replayed')).toBe('true');
    expect(meetingIdOf(answer)).toBe(meetingIdOf(original));
    expect(meetingsInZoom()).toBe(before + 1);
    figures['in flight: retry waited (ms)'] = ms;
  });
});

describe('SIGTERM while calls wait (real processes)', () => {
  const simulator = new ZoomSimulator({ plan: 'business' });
  const call = gatewayClient({ key: APP_KEY, timeoutMs: 60_000, unanswered: 'status 0' });
  const figures: Record<string, number | string> = {};
  let fleet: GatewayFleet;

  beforeAll(async () => {
    fleet = await GatewayFleet.open({
      simulator,
      apiKeys: { app: APP_KEY },
      logLevel: 'warn',
      // One medium call a second: a burst of creates queues in the governor.
      extra: { ZOOM_RATE_LIMITS: 'light=1,medium=1,heavy=1' },
    });
  });

  afterAll(async () => {
    console.log(`Shutdown figures: ${JSON.stringify(figures, null, 2)}`);
    await fleet?.close();
  });

  it('ends queued rate-limit waits with 503 and Retry-After; the call at Zoom finishes', async () => {
    const [gateway] = await fleet.start(1);
    simulator.control.setApiLatency(1_000);
    const started = Date.now();
    const calls = Array.from({ length: 5 }, (_, i) =>
      call(gateway, 'POST', '/v2/users/me/meetings', {
        body: { topic: `queued ${i}`, type: 2, duration: 30 },
      }).then((answer) => ({ answer, ms: Date.now() - started, at: Date.now() })),
    );
    await sleep(400);
    const signalled = Date.now();
    gateway.child.kill('SIGTERM');
    const answers = await Promise.all(calls);
    const exit = await gateway.exited;
    simulator.control.setApiLatency(0);
    const created = answers.filter((a) => a.answer.status === 201);
    const refused = answers.filter((a) => a.answer.status === 503);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeGreaterThanOrEqual(3);
    expect(created.length + refused.length).toBe(5);
    for (const { answer } of refused) expectShutdownRefusal(answer);
    expect(exit).toBe(0);
    figures['queued: process exited after SIGTERM (ms)'] = Date.now() - signalled;
    figures['queued: refused (of 5)'] = refused.length;
    figures['queued: slowest refusal after SIGTERM (ms)'] = Math.max(
      ...refused.map((r) => r.at - signalled),
    );
    figures['queued: in-flight create finished (ms)'] = Math.max(...created.map((c) => c.ms));
  });

  it('ends an Idempotency-Key wait with 503 and Retry-After; the first create finishes', async () => {
    const [gateway] = await fleet.start(1);
    simulator.control.setApiLatency(3_000);
    const payload = { topic: 'held at shutdown', type: 2, duration: 30 };
    const headers = { 'Idempotency-Key': 'key-shutdown' };
    const firstAttempt = call(gateway, 'POST', '/v2/users/me/meetings', { body: payload, headers });
    await sleep(500);
    const retry = call(gateway, 'POST', '/v2/users/me/meetings', { body: payload, headers });
    await sleep(300);
    const signalled = Date.now();
    gateway.child.kill('SIGTERM');
    const refused = await retry;
    const refusedAfter = Date.now() - signalled;
    const original = await firstAttempt;
    await gateway.exited;
    simulator.control.setApiLatency(0);
    expectShutdownRefusal(refused);
    expect(original.status, original.text).toBe(201);
    figures['idempotency wait: refused after SIGTERM (ms)'] = refusedAfter;
  });
});
