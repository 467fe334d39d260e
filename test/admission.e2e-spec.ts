import { z } from 'zod';
import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { GatewayFleet, pair } from './support/fleet.js';
import { type GatewayAnswer, gatewayClient, meetingIdOf } from './support/gateway-client.js';
import { bodyOf, type GatewayProcess } from './support/gateway-process.js';

// Issue 28, item 3: a flood of creates on two replicas, most refused by the gateway itself
// (429 queue_full / app_share) before Zoom. A create gets its record once the governor admitted
// its call, so the records are exactly the creates Zoom saw: none for a locally refused call,
// with or without an Idempotency-Key (whose claim is deleted when its call never leaves).

const APP_KEY = 'app-key-0123456789abcdef';
const OPS_KEY = 'ops-key-0123456789abcdef';
// Creates are Light in Zoom's reference: 2/s across the fleet, so 15 s of line holds about 30.
const LIMIT = 2;
const FLOOD = 80;
const body = {
  topic: 'Admission flood',
  type: 2,
  start_time: '2031-01-01T10:00:00Z',
  duration: 30,
};

const RecordPage = z.looseObject({
  meetings: z.array(
    z.looseObject({ status: z.string(), meetingId: z.string().nullable(), topic: z.unknown() }),
  ),
  nextCursor: z.string().nullable(),
});
type RecordView = z.infer<typeof RecordPage>['meetings'][number];

describe('No record for a create Zoom never saw (two replicas, PostgreSQL, Redis, simulator)', () => {
  const simulator = new ZoomSimulator({ plan: 'business' });
  const call = gatewayClient({ key: APP_KEY, timeoutMs: 60_000 });
  let fleet: GatewayFleet;
  let a: GatewayProcess;
  let b: GatewayProcess;

  /** Every record of the fleet (admin key), page by page; `status` filters. */
  const records = async (status?: string): Promise<RecordView[]> => {
    const all: RecordView[] = [];
    let cursor: string | null = null;
    do {
      const query = `limit=100${status ? `&status=${status}` : ''}${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await call(a, 'GET', `/api/meetings?${query}`, { key: OPS_KEY });
      expect(page.status, page.text).toBe(200);
      const parsed = bodyOf(RecordPage, page.json);
      all.push(...parsed.meetings);
      cursor = parsed.nextCursor;
    } while (cursor);
    return all;
  };

  beforeAll(async () => {
    fleet = await GatewayFleet.open({
      simulator,
      apiKeys: { app: APP_KEY },
      adminKeys: { ops: OPS_KEY },
      logLevel: 'warn',
      extra: { ZOOM_RATE_LIMITS: `light=${LIMIT}`, FAILED_MEETINGS_RETENTION_DAYS: '7' },
    });
    [a, b] = pair(await fleet.start(2));
  });

  afterAll(async () => {
    await fleet?.close();
  });

  it('records exactly the creates Zoom saw when most of a flood is refused locally', async () => {
    simulator.control.reset();
    // Half the flood carries an Idempotency-Key: its claim exists before admission.
    const answers: GatewayAnswer[] = await Promise.all(
      Array.from({ length: FLOOD }, (_, i) =>
        call(i % 2 ? a : b, 'POST', '/v2/users/me/meetings', {
          body,
          headers: i % 4 < 2 ? { 'Idempotency-Key': `flood-${i}` } : {},
        }),
      ),
    );
    const created = answers.filter((answer) => answer.status === 201);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(created.length + refused.length, JSON.stringify(answers.map((x) => x.status))).toBe(
      FLOOD,
    );
    // Many refused, all by the gateway itself (never by Zoom).
    expect(refused.length).toBeGreaterThanOrEqual(FLOOD / 4);
    for (const answer of refused)
      expect(answer.headers.get('x-gateway-refusal')).toMatch(/^(app_share|queue_full)$/);

    // What Zoom saw: the simulator's log of create calls.
    const zoomCreates = simulator.control
      .requests()
      .filter((r) => r.target === 'api' && r.method === 'POST' && r.path.endsWith('/meetings'));
    // A per-second 429 from Zoom is retried by the governor under the same record.
    const retriedByGovernor = zoomCreates.filter((r) => r.status === 429).length;
    console.log(
      `admission flood of ${FLOOD}: ${created.length} created, ${refused.length} refused locally; ` +
        `Zoom saw ${zoomCreates.length} create call(s), ${retriedByGovernor} answered 429`,
    );
    expect(zoomCreates.length - retriedByGovernor).toBe(created.length);

    // One record per create Zoom saw, each active with the meeting Zoom made; none failed.
    const all = await records();
    expect(all).toHaveLength(created.length);
    expect(all.every((r) => r.status === 'active')).toBe(true);
    expect(new Set(all.map((r) => r.meetingId))).toEqual(
      new Set(created.map((answer) => String(meetingIdOf(answer)))),
    );
    await expect(records('failed')).resolves.toEqual([]);
    await expect(records('creating')).resolves.toEqual([]);

    // A refused key's claim is gone: the key is free, and a retry now is a new create.
    const refusedKey = answers.findIndex((answer, i) => answer.status === 429 && i % 4 < 2);
    expect(refusedKey).toBeGreaterThanOrEqual(0);
    // The flood's line has drained by now (every answer is in): the retry is admitted.
    const retry = await call(a, 'POST', '/v2/users/me/meetings', {
      body,
      headers: { 'Idempotency-Key': `flood-${refusedKey}` },
    });
    expect(retry.status, retry.text).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    await expect(records()).resolves.toHaveLength(created.length + 1);
  });
});
