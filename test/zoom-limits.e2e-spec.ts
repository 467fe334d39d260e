import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { createScheduledMeeting, GatewayFleet, pair } from './support/fleet.js';
import { gatewayClient, type GatewayAnswer, objectOf } from './support/gateway-client.js';
import type { GatewayProcess } from './support/gateway-process.js';

// Issue 26: Zoom's limits as Zoom counts them, on two replicas sharing Redis, against a simulator
// that counts like Zoom from the same route table. A daily limit blocks exactly the scope Zoom
// names; Resource-intensive and Phone calls reach Zoom within their own limits, with no 429.

const APP_KEY = 'app-a-key-0123456789abcdef'; // meetings=rw, ownership=own
const OTHER_KEY = 'app-b-key-0123456789abcdef'; // meetings=rw;users=r
const OPS_KEY = 'ops-key-0123456789abcdef'; // admin: every area, every meeting

const asApp = gatewayClient({ key: APP_KEY });
const asOther = gatewayClient({ key: OTHER_KEY });
const asOps = gatewayClient({ key: OPS_KEY });

const refusal = (answer: GatewayAnswer) => [
  answer.status,
  answer.headers.get('x-gateway-refusal'),
  Number(answer.headers.get('retry-after')) > 0,
];

describe("Zoom's limits as Zoom counts them (two replicas, Redis, simulator)", () => {
  // Zoom's per-user and per-registrant limits lowered so a test reaches them: Zoom's 429 comes
  // before the gateway's own count (100 and 3), as it does when other tools share the account.
  const simulator = new ZoomSimulator({
    plan: 'business',
    scopedDailyLimits: { host_user: 3, registrant: 2 },
  });
  let fleet: GatewayFleet;
  let one: GatewayProcess;
  let two: GatewayProcess;
  const apiCalls = () => simulator.control.requests().filter((r) => r.target === 'api');

  beforeAll(async () => {
    fleet = await GatewayFleet.open({
      simulator,
      apiKeys: { a: APP_KEY, 'b[meetings=rw;users=r]': OTHER_KEY },
      adminKeys: { ops: OPS_KEY },
      logLevel: 'warn',
    });
    [one, two] = pair(await fleet.start(2));
  });

  afterAll(async () => {
    await fleet?.close();
  });

  it("blocks only the registrant Zoom's per-registrant 429 names, while other registrants, calls and apps go on", async () => {
    const meeting = await createScheduledMeeting(asOps, one, 'registrations');
    const register = (gateway: GatewayProcess, email: string) =>
      asOps(gateway, 'POST', `/v2/meetings/${meeting}/registrants`, {
        body: { email, first_name: 'R' },
      });
    for (const gateway of [one, two])
      expect((await register(gateway, 'ann@example.com')).status).not.toBe(429);
    const zoomSaid = await register(one, 'ann@example.com');
    expect(zoomSaid.status).toBe(429); // Zoom's own answer, relayed
    const before = apiCalls().length;
    const answer = await register(two, 'ANN@example.com');
    expect(refusal(answer)).toEqual([429, 'daily_limit', true]);
    expect(apiCalls().length).toBe(before);

    expect((await register(two, 'bob@example.com')).status).not.toBe(429);
    expect((await asOther(one, 'GET', '/v2/users/me')).status).toBe(200);
    const own = await createScheduledMeeting(asApp, two, 'still served');
    expect((await asApp(one, 'GET', `/v2/meetings/${own}`)).status).toBe(200);
    // Zoom counted three registrations of ann, never a fourth.
    const ann = apiCalls().filter(
      (r) => r.method === 'POST' && r.path === `/v2/meetings/${meeting}/registrants`,
    );
    expect(ann).toHaveLength(4); // ann ×3 (the third refused by Zoom), bob ×1
  });

  it("blocks only one user's creates and updates once Zoom says that user's daily limit is spent", async () => {
    // A fresh host: the simulator's second member, named by email; Zoom allows it 3 a day here.
    const host = 'sim-member-2@example.com';
    const create = (gateway: GatewayProcess, user = host) =>
      asApp(gateway, 'POST', `/v2/users/${encodeURIComponent(user)}/meetings`, {
        body: { topic: 'daily', type: 2, duration: 30, start_time: '2031-01-01T10:00:00Z' },
      });
    const first = await create(one);
    expect(first.status).toBe(201);
    const meetingId = String(objectOf(first).id);
    expect((await create(two)).status).toBe(201);
    expect((await create(one)).status).toBe(201);
    expect((await create(two)).status).toBe(429); // Zoom's answer: "... this particular user"

    const before = apiCalls().length;
    expect(refusal(await create(one))).toEqual([429, 'daily_limit', true]);
    const update = await asApp(two, 'PATCH', `/v2/meetings/${meetingId}`, {
      body: { topic: 'renamed' },
    });
    expect(refusal(update)).toEqual([429, 'daily_limit', true]);
    expect(apiCalls().length).toBe(before);

    // Another user's creates, and the same app's other calls, go on.
    expect((await create(two, 'sim-member-1@example.com')).status).toBe(201);
    expect((await asApp(one, 'GET', `/v2/meetings/${meetingId}`)).status).toBe(200);
    const limits = objectOf(await asOps(one, 'GET', '/api/admin/zoom/limits'));
    expect(JSON.stringify(limits.blocks)).toContain('host:');
  });

  it('lets a burst of 30 Resource-intensive calls reach Zoom within its per-minute limit, each caller answered or refused with Retry-After', async () => {
    const before = simulator.control.stats().rateLimitedBy.qps;
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        asOps(
          i % 2 ? one : two,
          'GET',
          '/v2/metrics/meetings?type=past&from=2026-12-01&to=2026-12-05',
        ),
      ),
    );
    const refused = answers.filter((a) => a.headers.get('x-gateway-refusal') !== null);
    for (const answer of refused) expect(refusal(answer)).toEqual([429, 'queue_full', true]);
    expect(answers.every((a) => a.status !== 0)).toBe(true);
    const bucket = simulator.control.rateLimits().buckets.resource_intensive;
    expect(bucket?.maxPerWindow).toBeLessThanOrEqual(20);
    expect(bucket?.admitted).toBe(30 - refused.length);
    expect(refused.length).toBeGreaterThanOrEqual(10);
    expect(simulator.control.stats().rateLimitedBy.qps - before).toBe(0);
  });

  it("keeps a burst of Phone calls within Phone's own per-second limit, with no Zoom 429", async () => {
    const before = simulator.control.stats().rateLimitedBy.qps;
    const answers = await Promise.all(
      Array.from({ length: 33 }, (_, i) =>
        asOps(i % 2 ? one : two, 'GET', '/v2/phone/call_logs?page_size=30'),
      ),
    );
    // 33 calls at 10 a second wait at most about 3 s: every one is sent, none refused.
    expect(answers.filter((a) => a.headers.get('x-gateway-refusal') !== null)).toHaveLength(0);
    const bucket = simulator.control.rateLimits().buckets['phone.heavy'];
    expect(bucket?.admitted).toBe(33);
    expect(bucket?.maxPerWindow).toBeLessThanOrEqual(10);
    expect(simulator.control.stats().rateLimitedBy.qps - before).toBe(0);
  });
});
