import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { z } from 'zod';
import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { createScheduledMeeting, eventually, GatewayFleet, patchInZoom } from './support/fleet.js';
import { gatewayClient } from './support/gateway-client.js';
import { bodyOf, type GatewayProcess } from './support/gateway-process.js';
import { type Receipt, signedWith, WebhookSubscriber } from './support/webhook-subscriber.js';

// Deliveries survive the fleet: a subscriber is down while 30 Zoom events about six meetings
// arrive, both replicas are killed (SIGKILL) while the deliveries are pending and some are
// mid-attempt (claimed, the subscriber holding the request open), both come back, the subscriber
// comes back, and every event reaches it, at least once per delivery id, in order per meeting.
// The retry window is the default (24 h): nothing may become a dead letter here.

const SECRET = `whsec-${randomBytes(12).toString('hex')}`;
const KEY = 'app-key-0123456789abcdef';
const MEETINGS = 6;
const UPDATES = 3;
const EVENTS = MEETINGS * (1 + UPDATES + 1);

const api = gatewayClient({ key: KEY });

const Delivery = z.looseObject({
  id: z.string(),
  event: z.string(),
  meetingId: z.string().nullable(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number(),
});
const DeliveryPage = z.looseObject({ deliveries: z.array(Delivery) });

async function deliveries(gateway: GatewayProcess, query: Record<string, string>) {
  const answer = await api(
    gateway,
    'GET',
    `/api/webhook-deliveries?${new URLSearchParams({ limit: '100', ...query }).toString()}`,
  );
  expect(answer.status).toBe(200);
  return bodyOf(DeliveryPage, answer.json).deliveries;
}

const ZoomBody = z.looseObject({
  event: z.string(),
  event_ts: z.number(),
  payload: z.looseObject({ object: z.looseObject({ id: z.number() }) }),
});

describe('Webhook deliveries across a SIGKILL of every replica (PostgreSQL, Redis, simulator)', () => {
  const simulator = new ZoomSimulator({ rateLimits: false });
  let fleet: GatewayFleet;
  let db: Client;
  let subscriber: WebhookSubscriber;

  beforeAll(async () => {
    fleet = await GatewayFleet.open({
      simulator,
      apiKeys: { 'app[meetings=rw;ownership=all]': KEY },
      logLevel: 'warn',
      extra: {
        ZOOM_WEBHOOK_SECRET_TOKEN: SECRET,
        WEBHOOK_DESTINATIONS: 'http://127.0.0.1',
        MAX_INFLIGHT_PER_APP: '1000',
        RECONCILE_INTERVAL: '3600',
      },
    });
    db = new Client({ connectionString: fleet.database.url });
    await db.connect();
    subscriber = await WebhookSubscriber.start(() => 503);
  });

  afterAll(async () => {
    await db?.end();
    await subscriber?.close();
    await fleet?.close();
  });

  it('delivers every event at least once, in order per meeting, after both replicas are killed mid-delivery and restarted', async () => {
    const [a, b] = await fleet.start(['a', 'b']);
    await simulator.control.setWebhook({
      url: `${a.url}/webhooks/zoom`,
      secretToken: SECRET,
      retryDelaysMs: [300, 600, 1200],
    });
    const created = await api(b, 'POST', '/api/webhook-subscriptions', {
      body: { url: subscriber.url, events: ['meeting.*'] },
    });
    expect(created.status).toBe(201);
    const sub = bodyOf(z.looseObject({ id: z.string(), secret: z.string() }), created.json);

    // The subscriber is down (503) while Zoom's events arrive.
    const meetings: string[] = [];
    for (let i = 0; i < MEETINGS; i++)
      meetings.push(await createScheduledMeeting(api, i % 2 ? b : a, `M${i}`));
    for (let round = 1; round <= UPDATES; round++)
      for (const [i, id] of meetings.entries())
        expect(await patchInZoom(simulator, id, { topic: `M${i} v${round}` })).toBe(204);
    for (const [i, id] of meetings.entries())
      expect((await api(i % 2 ? a : b, 'DELETE', `/v2/meetings/${id}`)).status).toBe(204);
    const zoomSide = await eventually(
      () => Promise.resolve(simulator.control.webhookDeliveries()),
      (list) => list.length === EVENTS && list.every((d) => d.delivered),
    );
    expect(zoomSide.filter((d) => d.delivered)).toHaveLength(EVENTS);
    const sent = simulator.control
      .webhookAttempts()
      .filter((attempt) => attempt.attempt === 1)
      .map((attempt) => {
        const parsed = ZoomBody.parse(JSON.parse(attempt.body));
        return {
          body: attempt.body,
          event: parsed.event,
          meetingId: String(parsed.payload.object.id),
          eventTs: parsed.event_ts,
        };
      });
    expect(sent).toHaveLength(EVENTS);

    // Every delivery pending, some already tried and refused.
    const pending = await deliveries(b, { subscription: sub.id, status: 'pending' });
    expect(pending).toHaveLength(EVENTS);
    await eventually(
      () => Promise.resolve(subscriber.receipts.length),
      (n) => n > 0,
    );

    // Mid-delivery: the subscriber now holds requests open, so their claims are live at the kill.
    subscriber.answer(() => 'hang');
    const hung = await eventually(
      () => Promise.resolve(subscriber.receipts.filter((r) => r.answered === undefined)),
      (list) => list.length > 0,
      20_000,
    );
    expect(hung.length).toBeGreaterThan(0);
    const claimed = await db.query<{ id: string; claimed_by: string }>(
      "SELECT id, claimed_by FROM webhook_deliveries WHERE status = 'pending' AND claim_until > now()",
    );
    await Promise.all([a.kill('SIGKILL'), b.kill('SIGKILL')]);
    const killedAt = Date.now();
    // Still down while the replicas come back; up once both are live.
    subscriber.answer(() => 503);
    const left = await db.query<{ status: string; n: string }>(
      'SELECT status, count(*) AS n FROM webhook_deliveries WHERE subscription_id = $1 GROUP BY status',
      [sub.id],
    );
    expect(left.rows.map((r) => [r.status, Number(r.n)])).toEqual([['pending', EVENTS]]);
    const hungIds = [...new Set(hung.map((r) => r.deliveryId))];
    console.log(
      `killed both replicas: ${EVENTS} pending, ${claimed.rows.length} claimed (${[...new Set(claimed.rows.map((r) => r.claimed_by))].join(', ')}), ` +
        `${hungIds.length} mid-attempt at the subscriber, ${subscriber.receipts.length} attempts refused or hung so far`,
    );

    const [a2, b2] = await fleet.start(['a', 'b']);
    subscriber.answer(() => 200);
    const restartedAt = Date.now();
    await eventually(
      () => Promise.resolve(new Set(subscriber.accepted().map((r) => r.deliveryId)).size),
      (n) => n >= EVENTS,
      90_000,
    );
    console.log(
      `all ${EVENTS} delivered ${Date.now() - restartedAt} ms after the restart (${Date.now() - killedAt} ms after the kill); ` +
        `${subscriber.accepted().length - EVENTS} duplicate(s)`,
    );

    // None lost: every delivery id, every event byte for byte, signed with the subscription's secret.
    const accepted = subscriber.accepted();
    const ids = new Set(accepted.map((r) => r.deliveryId));
    expect([...ids].sort()).toEqual(pending.map((d) => d.id).sort());
    for (const id of hungIds) expect(ids).toContain(id);
    const firstOf = new Map<string, Receipt>();
    for (const r of accepted) if (!firstOf.has(r.deliveryId)) firstOf.set(r.deliveryId, r);
    expect(firstOf.size).toBe(EVENTS);
    expect([...firstOf.values()].map((r) => r.body).sort()).toEqual(sent.map((e) => e.body).sort());
    for (const r of accepted) expect(signedWith(r, sub.secret)).toBe(true);

    // In order per meeting: created, the updates, deleted, as Zoom sent them.
    for (const id of meetings) {
      const zoomOrder = sent
        .filter((e) => e.meetingId === id)
        .sort((x, y) => x.eventTs - y.eventTs);
      const arrived = [...firstOf.values()].filter((r) => r.meetingId === id);
      expect({ id, events: arrived.map((r) => r.body) }).toEqual({
        id,
        events: zoomOrder.map((e) => e.body),
      });
      expect(arrived.map((r) => r.event)).toEqual([
        'meeting.created',
        ...Array.from({ length: UPDATES }, () => 'meeting.updated'),
        'meeting.deleted',
      ]);
    }

    // The fleet agrees: all delivered, nothing pending or failed.
    const settled = await eventually(
      () => deliveries(a2, { subscription: sub.id }),
      (list) => list.every((d) => d.status === 'delivered'),
    );
    expect(settled).toHaveLength(EVENTS);
    expect(settled.filter((d) => d.status !== 'delivered')).toEqual([]);
    await expect(deliveries(b2, { subscription: sub.id, status: 'failed' })).resolves.toEqual([]);
  });
});
