import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { z } from 'zod';
import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { createScheduledMeeting, eventually, GatewayFleet, patchInZoom } from './support/fleet.js';
import { type GatewayCall, gatewayClient, objectOf } from './support/gateway-client.js';
import { bodyOf, type GatewayProcess } from './support/gateway-process.js';
import { type Receipt, signedWith, WebhookSubscriber } from './support/webhook-subscriber.js';

// Zoom's events passed on to internal apps, end to end: two built replicas (PostgreSQL, Redis),
// the in-test Zoom simulator sending real signed events to the gateway, and subscribers that are
// real HTTP servers on 127.0.0.1. What the subscribers and the simulator saw is the evidence.
//
// WEBHOOK_RETRY_WINDOW_SECONDS is 30 for the whole fleet: a delivery whose next attempt would come
// more than 30 s after its event arrived is a dead letter. The window runs from the event's
// arrival, also while the delivery waits behind earlier ones of its meeting, and a subscriber
// failing two attempts in three trips its breaker on each replica (pauses of 1, 2, 4 s ...):
// measured with seven meetings, each event of a meeting took about 10 s to get through, so a
// meeting's fourth event ran out of a 20 s window. Here the subscriber that fails the first two
// attempts of every delivery sees five meetings of at most three events (all through in 10-13 s),
// and the dead-letter test waits up to the 30 s window for its failure.

const SECRET = `whsec-${randomBytes(12).toString('hex')}`;
const KEY_A = 'app-a-key-0123456789abcdef';
const KEY_B = 'app-b-key-0123456789abcdef';
const RETRY_WINDOW_SECONDS = 30;

const apiA = gatewayClient({ key: KEY_A });
const apiB = gatewayClient({ key: KEY_B });

const Subscription = z.looseObject({
  id: z.string(),
  app: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  secret: z.string(),
});
const Delivery = z.looseObject({
  id: z.string(),
  subscriptionId: z.string(),
  app: z.string(),
  eventId: z.string(),
  event: z.string(),
  meetingId: z.string().nullable(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number(),
  lastStatus: z.number().nullable(),
  lastAttemptAt: z.string().nullable(),
  retryUntil: z.string(),
  createdAt: z.string(),
});
type Delivery = z.infer<typeof Delivery>;
const DeliveryPage = z.looseObject({
  deliveries: z.array(Delivery),
  nextCursor: z.string().nullable(),
});

async function subscribe(
  call: GatewayCall,
  gateway: GatewayProcess,
  body: Record<string, unknown>,
): Promise<z.infer<typeof Subscription>> {
  const created = await call(gateway, 'POST', '/api/webhook-subscriptions', { body });
  expect({ status: created.status, json: created.json }).toMatchObject({ status: 201 });
  return bodyOf(Subscription, created.json);
}

async function deliveries(
  call: GatewayCall,
  gateway: GatewayProcess,
  query: Record<string, string>,
): Promise<Delivery[]> {
  const answer = await call(
    gateway,
    'GET',
    `/api/webhook-deliveries?${new URLSearchParams({ limit: '100', ...query }).toString()}`,
  );
  expect(answer.status).toBe(200);
  return bodyOf(DeliveryPage, answer.json).deliveries;
}

/** An event as the simulator (Zoom) sent it to the gateway. */
interface SentEvent {
  body: string;
  event: string;
  meetingId: string;
  eventTs: number;
  /** When Zoom first sent it (ms). */
  sentAt: number;
}

const ZoomBody = z.looseObject({
  event: z.string(),
  event_ts: z.number(),
  payload: z.looseObject({ object: z.looseObject({ id: z.number() }) }),
});

/** Sum of a counter's samples with this exact label set, over the replicas' /metrics. */
async function counter(replicas: GatewayProcess[], sample: string): Promise<number> {
  let sum = 0;
  for (const replica of replicas) {
    const text = await (await fetch(`${replica.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
    if (line) sum += Number(line.slice(sample.length + 1));
  }
  return sum;
}

/** The item at `index`; the test fails when there is none. */
function itemAt<T>(list: readonly T[], index: number): T {
  const item = list.at(index);
  if (item === undefined) throw new Error(`no item at ${index} of ${list.length}`);
  return item;
}

/** One receipt per delivery id: the first one answered 2xx. */
function firstAccepted(receipts: Receipt[]): Receipt[] {
  const seen = new Set<string>();
  return receipts.filter((r) => {
    if (r.answered === undefined || r.answered >= 300 || seen.has(r.deliveryId)) return false;
    seen.add(r.deliveryId);
    return true;
  });
}

function groupByMeeting<T extends { meetingId?: string }>(items: T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = item.meetingId ?? '';
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return groups;
}

/** What a subscriber saw, one line per request, for a failure's log. */
function timeline(subscriber: WebhookSubscriber): string {
  const t0 = subscriber.receipts[0]?.at ?? 0;
  return subscriber.receipts
    .map(
      (r) =>
        `+${r.at - t0} ms ${r.meetingId} ${r.event} ${r.deliveryId.slice(0, 8)} #${r.attempt} ${r.answered ?? 'unanswered'}`,
    )
    .join('\n');
}

const sortedBodies = (items: { body: string }[]) => items.map((i) => i.body).sort();

describe('Webhook deliveries to internal apps (two replicas, PostgreSQL, Redis, simulator sending signed events)', () => {
  const simulator = new ZoomSimulator({ rateLimits: false });
  let fleet: GatewayFleet;
  let a: GatewayProcess;
  let b: GatewayProcess;
  let db: Client;
  const subscribers: WebhookSubscriber[] = [];

  const startSubscriber = async (...args: Parameters<typeof WebhookSubscriber.start>) => {
    const subscriber = await WebhookSubscriber.start(...args);
    subscribers.push(subscriber);
    return subscriber;
  };

  /** Every event the simulator has sent so far (first attempts), oldest first. */
  const zoomSent = (): SentEvent[] =>
    simulator.control
      .webhookAttempts()
      .filter((attempt) => attempt.attempt === 1)
      .map((attempt) => {
        const parsed = ZoomBody.parse(JSON.parse(attempt.body));
        return {
          body: attempt.body,
          event: parsed.event,
          meetingId: String(parsed.payload.object.id),
          eventTs: parsed.event_ts,
          sentAt: attempt.sentAt,
        };
      });

  /** The events Zoom sent about this test's meeting, in Zoom's order. */
  const zoomEventsOf = (id: string): SentEvent[] =>
    zoomSent()
      .filter((e) => e.meetingId === id)
      .sort((x, y) => x.eventTs - y.eventTs);

  /** Pending deliveries of a subscription, held ones included (the API does not list those). */
  const pendingRows = async (subscriptionId: string): Promise<number> => {
    const result = await db.query<{ n: string }>(
      "SELECT count(*) AS n FROM webhook_deliveries WHERE subscription_id = $1 AND status = 'pending'",
      [subscriptionId],
    );
    return Number(result.rows[0]?.n);
  };

  beforeAll(async () => {
    fleet = await GatewayFleet.open({
      simulator,
      apiKeys: {
        'app-a[meetings=rw;ownership=own]': KEY_A,
        'app-b[meetings=rw;recordings=r;ownership=all]': KEY_B,
      },
      logLevel: 'warn',
      extra: {
        ZOOM_WEBHOOK_SECRET_TOKEN: SECRET,
        WEBHOOK_DESTINATIONS: 'http://127.0.0.1',
        WEBHOOK_RETRY_WINDOW_SECONDS: String(RETRY_WINDOW_SECONDS),
        MAX_INFLIGHT_PER_APP: '1000',
        RECONCILE_INTERVAL: '3600',
      },
    });
    [a, b] = await fleet.start(['a', 'b']);
    await simulator.control.setWebhook({
      url: `${a.url}/webhooks/zoom`,
      secretToken: SECRET,
      retryDelaysMs: [300, 600, 1200],
    });
    db = new Client({ connectionString: fleet.database.url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    for (const subscriber of subscribers) await subscriber.close();
    await fleet?.close();
  });

  describe('two apps, three subscribers: healthy, failing twice per delivery, never answering', () => {
    let healthy: WebhookSubscriber;
    let failing: WebhookSubscriber;
    let hung: WebhookSubscriber;
    let healthySub: z.infer<typeof Subscription>;
    let failingSub: z.infer<typeof Subscription>;
    let hungSub: z.infer<typeof Subscription>;
    const meetingsOf = { a: [] as string[], b: [] as string[], nobody: [] as string[] };
    let sent: SentEvent[] = [];

    beforeAll(async () => {
      healthy = await startSubscriber(() => 204);
      failing = await startSubscriber((r) => (r.attempt <= 2 ? 500 : 200));
      hung = await startSubscriber(() => 'hang');
      healthySub = await subscribe(apiA, a, {
        url: healthy.url,
        events: ['meeting.*'],
        description: 'healthy',
      });
      failingSub = await subscribe(apiB, b, { url: failing.url, events: ['meeting.*'] });
      hungSub = await subscribe(apiB, a, { url: hung.url, events: ['*'] });
    });

    it('takes in the created, updated and deleted events Zoom sends about meetings of A, of B and of nobody, answering Zoom 200 within 1 s each time', async () => {
      meetingsOf.a.push(await createScheduledMeeting(apiA, a, 'A1'));
      meetingsOf.b.push(await createScheduledMeeting(apiB, b, 'B1'));
      meetingsOf.a.push(await createScheduledMeeting(apiA, b, 'A2'));
      meetingsOf.b.push(await createScheduledMeeting(apiB, a, 'B2'));
      const outside = simulator.control.createMeetingOutOfBand(simulator.ownerUser.id, {
        topic: 'made in the portal',
        type: 2,
        duration: 20,
        start_time: '2031-05-06T07:08:09Z',
      }) as { id: number };
      meetingsOf.nobody.push(String(outside.id));
      const [a1, a2, b1, o1] = [
        itemAt(meetingsOf.a, 0),
        itemAt(meetingsOf.a, 1),
        itemAt(meetingsOf.b, 0),
        itemAt(meetingsOf.nobody, 0),
      ];
      // Another app changes meetings directly in Zoom; the gateway's apps delete through it.
      for (const [id, topic] of [
        [a1, 'A1 renamed'],
        [b1, 'B1 renamed'],
        [a2, 'A2 renamed'],
        [o1, 'portal renamed'],
      ] as const)
        expect(await patchInZoom(simulator, id, { topic })).toBe(204);
      expect((await apiA(b, 'DELETE', `/v2/meetings/${a1}`)).status).toBe(204);
      expect((await apiB(a, 'DELETE', `/v2/meetings/${b1}`)).status).toBe(204);
      simulator.control.deleteMeetingOutOfBand(o1);

      const expected = 5 + 4 + 3; // created, updated, deleted
      const zoomSide = await eventually(
        () => Promise.resolve(simulator.control.webhookDeliveries()),
        (list) => list.length === expected && list.every((d) => d.delivered),
      );
      expect(zoomSide).toHaveLength(expected);
      expect(zoomSide.every((d) => d.delivered && d.attempts === 1 && d.lastStatus === 200)).toBe(
        true,
      );
      sent = zoomSent();
      expect(sent).toHaveLength(expected);
      const answers = simulator.control.webhookAttempts().map((attempt) => attempt.durationMs);
      const slowest = Math.max(...answers);
      console.log(
        `Zoom's ${answers.length} webhook POSTs answered in max ${slowest.toFixed(1)} ms (median ${answers.sort((x, y) => x - y)[answers.length >> 1]?.toFixed(1)} ms)`,
      );
      expect(slowest).toBeLessThan(1_000);
    });

    it("delivers to A's subscriber exactly the events of the meetings A created, byte for byte, once per delivery id, in event order per meeting", async () => {
      const expected = sent.filter((e) => meetingsOf.a.includes(e.meetingId));
      expect(expected).toHaveLength(5);
      await eventually(
        () => Promise.resolve(firstAccepted(healthy.receipts)),
        (got) => got.length >= expected.length,
      );
      // Events about B's meeting and the portal's are dropped once their owner is known (the
      // portal's after the 5 s an own app waits for a create in flight): nothing pending is left.
      await eventually(
        () => pendingRows(healthySub.id),
        (n) => n === 0,
        10_000,
      );
      const got = firstAccepted(healthy.receipts);
      expect(sortedBodies(got)).toEqual(sortedBodies(expected));
      // Each delivery id once: no duplicates, no retries (it answered 204 every time).
      expect(healthy.receipts).toHaveLength(expected.length);
      expect(new Set(healthy.receipts.map((r) => r.deliveryId)).size).toBe(expected.length);
      for (const r of healthy.receipts) {
        expect(signedWith(r, healthySub.secret)).toBe(true);
        expect(r.headers['x-zoom-gateway-event']).toMatch(/^[0-9a-f]{64}$/);
      }
      // In order per meeting: what arrived is what Zoom sent, in Zoom's order.
      for (const [meetingId, events] of groupByMeeting(expected)) {
        const arrived = groupByMeeting(healthy.receipts).get(meetingId) ?? [];
        expect(arrived.map((r) => r.event)).toEqual(events.map((e) => e.event));
        expect(arrived.map((r) => r.eventTs)).toEqual(
          events.map((e) => e.eventTs).sort((x, y) => x - y),
        );
      }
      expect(
        groupByMeeting(healthy.receipts)
          .get(meetingsOf.a[0])
          ?.map((r) => r.event),
      ).toEqual(['meeting.created', 'meeting.updated', 'meeting.deleted']);
    });

    it('hands every event to the healthy subscriber within 1 s of Zoom sending it, although another subscriber never answers', () => {
      const sentAt = new Map(sent.map((e) => [e.body, e]));
      const latencies = healthy.receipts.map((r) => {
        const origin = sentAt.get(r.body);
        expect(origin).toBeDefined();
        return { event: r.event, ms: r.at - (origin?.sentAt ?? 0), sinceTs: r.at - r.eventTs };
      });
      const worst = Math.max(...latencies.map((l) => l.ms));
      console.log(
        `healthy subscriber: ${latencies.length} events, latency from Zoom's send max ${worst} ms, ` +
          `from event_ts max ${Math.max(...latencies.map((l) => l.sinceTs))} ms; ` +
          latencies.map((l) => `${l.event}=${l.ms}`).join(' '),
      );
      expect(worst).toBeLessThan(1_000);
      // The hung subscriber was really tried, and kept waiting.
      expect(hung.receipts.length).toBeGreaterThan(0);
      expect(hung.receipts.every((r) => r.answered === undefined)).toBe(true);
    });

    it("delivers every meeting event to B's failing subscriber after its retries, each attempt signed with B's secret and not A's, one meeting's events one after another", async () => {
      const started = Date.now();
      await eventually(
        () => Promise.resolve(firstAccepted(failing.receipts)),
        (got) => got.length >= sent.length,
        60_000,
      );
      const complete = firstAccepted(failing.receipts).length >= sent.length;
      console.log(
        `failing subscriber had ${complete ? 'all' : 'not all'} ${sent.length} events ${Date.now() - started} ms later (${Date.now() - (sent[0]?.sentAt ?? 0)} ms after Zoom sent the first)`,
      );
      if (!complete) console.log(timeline(failing));
      const got = firstAccepted(failing.receipts);
      expect(sortedBodies(got)).toEqual(sortedBodies(sent));
      // Three attempts per delivery: two 500s, then the 200.
      for (const [id, attempts] of failing.byDelivery()) {
        expect({ id, answers: attempts.map((r) => r.answered) }).toEqual({
          id,
          answers: [500, 500, 200],
        });
      }
      for (const r of failing.receipts) {
        expect(signedWith(r, failingSub.secret)).toBe(true);
        expect(signedWith(r, healthySub.secret)).toBe(false);
        expect(r.headers['x-zoom-gateway-signature-next']).toBeUndefined();
      }
      // Per meeting, a delivery's attempts all come before the next delivery's first one, and
      // the deliveries follow Zoom's event_ts.
      for (const [meetingId, arrived] of groupByMeeting(failing.receipts)) {
        const runs = arrived
          .map((r) => r.deliveryId)
          .filter((id, i, ids) => i === 0 || ids[i - 1] !== id);
        expect({ meetingId, runs: runs.length }).toEqual({
          meetingId,
          runs: new Set(runs).size,
        });
        const ts = firstAccepted(arrived).map((r) => r.eventTs);
        expect(ts).toEqual([...ts].sort((x, y) => x - y));
      }
      // The API tells the same story.
      const listed = await deliveries(apiB, a, { subscription: failingSub.id });
      expect(listed).toHaveLength(sent.length);
      for (const d of listed)
        expect(d).toMatchObject({ status: 'delivered', attempts: 3, lastStatus: 200 });
    });

    it("counts successes, retries and drops in /metrics and shows the hung subscription's backlog", async () => {
      const success = await counter(
        fleet.replicas,
        'zoom_gateway_webhook_deliveries_total{outcome="success"}',
      );
      const retry = await counter(
        fleet.replicas,
        'zoom_gateway_webhook_deliveries_total{outcome="retry"}',
      );
      const dropped = await counter(
        fleet.replicas,
        'zoom_gateway_webhook_deliveries_total{outcome="dropped"}',
      );
      expect(success).toBeGreaterThanOrEqual(5 + sent.length);
      expect(retry).toBeGreaterThanOrEqual(2 * sent.length);
      // The portal's three events, held for A until their owner was known, then dropped.
      expect(dropped).toBeGreaterThanOrEqual(3);
      const backlog = await eventually(
        () => counter([a], `zoom_gateway_webhook_backlog{subscription="${hungSub.id}"}`),
        (n) => n > 0,
      );
      expect(backlog).toBeGreaterThan(0);
      expect(
        await counter([a], `zoom_gateway_webhook_backlog{subscription="${healthySub.id}"}`),
      ).toBe(0);
    });

    afterAll(async () => {
      // The hung subscriber's deliveries go with its subscription.
      for (const [call, id] of [
        [apiB, hungSub?.id],
        [apiB, failingSub?.id],
        [apiA, healthySub?.id],
      ] as const)
        if (id)
          expect((await call(a, 'DELETE', `/api/webhook-subscriptions/${id}`)).status).toBe(204);
      await expect(pendingRows(hungSub.id)).resolves.toBe(0);
    });
  });

  describe('dead letters: failed after the window, listed, retried, replayed', () => {
    let dead: WebhookSubscriber;
    let sub: z.infer<typeof Subscription>;
    let meetingId: string;
    let failed: Delivery;
    let since: string;
    it("marks a delivery failed once its retry window is over and lists it among the subscription's failed deliveries", async () => {
      since = new Date().toISOString();
      dead = await startSubscriber(() => 500);
      sub = await subscribe(apiA, b, { url: dead.url, events: ['meeting.deleted'] });
      meetingId = await createScheduledMeeting(apiA, a, 'dead letter');
      expect(await patchInZoom(simulator, meetingId, { topic: 'dead letter, renamed' })).toBe(204);
      expect((await apiA(b, 'DELETE', `/v2/meetings/${meetingId}`)).status).toBe(204);
      // Pending meanwhile: the fleet's backlog gauge shows it on either replica.
      await expect(
        eventually(
          () => counter([b], `zoom_gateway_webhook_backlog{subscription="${sub.id}"}`),
          (n) => n === 1,
        ),
      ).resolves.toBe(1);
      const started = Date.now();
      const listed = await eventually(
        () => deliveries(apiA, a, { subscription: sub.id, status: 'failed' }),
        (list) => list.length > 0,
        (RETRY_WINDOW_SECONDS + 15) * 1000,
      );
      const last = listed[0];
      console.log(
        `dead letter after ${last?.attempts} attempts, ${Date.now() - started} ms after the event was pending; ` +
          `last attempt ${Date.parse(last?.lastAttemptAt ?? '') - Date.parse(last?.createdAt ?? '')} ms after the event arrived`,
      );
      expect(listed).toHaveLength(1);
      failed = itemAt(listed, 0);
      expect(failed).toMatchObject({
        subscriptionId: sub.id,
        app: 'app-a',
        event: 'meeting.deleted',
        meetingId,
        status: 'failed',
        lastStatus: 500,
      });
      // Retried (1 s, 2 s, 4 s ... each ±50%) through the window, which runs from the event's
      // arrival: the last wait is cut short so the last attempt comes as the window ends (its
      // answer, an attempt's deadline at most, after it), and it is failed only then.
      expect(failed.attempts).toBeGreaterThanOrEqual(4);
      const arrived = Date.parse(failed.createdAt);
      const windowEnd = Date.parse(failed.retryUntil);
      expect(windowEnd - arrived).toBe(RETRY_WINDOW_SECONDS * 1000);
      const lastAttempt = Date.parse(failed.lastAttemptAt ?? '');
      expect(lastAttempt).toBeGreaterThanOrEqual(windowEnd);
      expect(lastAttempt - windowEnd).toBeLessThan(11_000);
      // Every attempt the subscriber saw was this delivery, under the same id.
      expect(dead.receipts.map((r) => r.deliveryId)).toEqual(
        Array.from({ length: failed.attempts }, () => failed.id),
      );
      expect(dead.receipts.map((r) => r.event)).toEqual(
        Array.from({ length: failed.attempts }, () => 'meeting.deleted'),
      );
      await expect(
        deliveries(apiA, a, { subscription: sub.id, status: 'pending' }),
      ).resolves.toEqual([]);
      expect(
        await counter(
          fleet.replicas,
          'zoom_gateway_webhook_deliveries_total{outcome="dead_letter"}',
        ),
      ).toBeGreaterThanOrEqual(1);
    });

    it('sends a failed delivery again on retry, under the same delivery id, once the subscriber is back, and refuses to retry it twice (409)', async () => {
      dead.answer(() => 200);
      const retried = await apiA(b, 'POST', `/api/webhook-deliveries/${failed.id}/retry`);
      expect({ status: retried.status, json: retried.json }).toMatchObject({
        status: 202,
        json: { id: failed.id, subscriptionId: sub.id },
      });
      const [got] = await eventually(
        () => Promise.resolve(dead.accepted()),
        (list) => list.length > 0,
      );
      expect(got).toMatchObject({
        deliveryId: failed.id,
        eventId: failed.eventId,
        event: 'meeting.deleted',
        attempt: failed.attempts + 1,
      });
      expect(got?.body).toBe(zoomEventsOf(meetingId).at(-1)?.body);
      expect(got && signedWith(got, sub.secret)).toBe(true);
      const [after] = await eventually(
        () => deliveries(apiA, a, { subscription: sub.id, status: 'delivered' }),
        (list) => list.length > 0,
      );
      expect(after).toMatchObject({
        id: failed.id,
        attempts: failed.attempts + 1,
        lastStatus: 200,
      });
      const again = await apiA(a, 'POST', `/api/webhook-deliveries/${failed.id}/retry`);
      expect({ status: again.status, json: again.json }).toMatchObject({
        status: 409,
        json: { code: 'conflict' },
      });
    });

    it('replays every stored event since a time that the subscription matches, as new deliveries, in event order', async () => {
      const patched = await apiA(b, 'PATCH', `/api/webhook-subscriptions/${sub.id}`, {
        body: { events: ['meeting.*'] },
      });
      expect({ status: patched.status, json: patched.json }).toMatchObject({
        status: 200,
        json: { events: ['meeting.*'] },
      });
      const replay = await apiA(a, 'POST', `/api/webhook-subscriptions/${sub.id}/replay`, {
        body: { since },
      });
      expect({ status: replay.status, json: replay.json }).toEqual({
        status: 202,
        json: { queued: 3 },
      });
      await eventually(
        () => Promise.resolve(dead.accepted()),
        (list) => list.length >= 4,
      );
      const replayed = dead.accepted().slice(1);
      const zoom = zoomEventsOf(meetingId);
      expect(replayed.map((r) => r.event)).toEqual([
        'meeting.created',
        'meeting.updated',
        'meeting.deleted',
      ]);
      expect(replayed.map((r) => r.body)).toEqual(zoom.map((e) => e.body));
      const ids = replayed.map((r) => r.deliveryId);
      expect(new Set(ids).size).toBe(3);
      expect(ids).not.toContain(failed.id);
      for (const r of replayed) expect(signedWith(r, sub.secret)).toBe(true);
    });
  });

  describe('safety and API shape', () => {
    let subA: z.infer<typeof Subscription>;
    let subB: z.infer<typeof Subscription>;
    let receiverA: WebhookSubscriber;
    let receiverB: WebhookSubscriber;
    let meetingOfA: string;
    let meetingOfB: string;

    beforeAll(async () => {
      receiverA = await startSubscriber(() => 200);
      receiverB = await startSubscriber(() => 200);
      subA = await subscribe(apiA, a, { url: receiverA.url, events: ['meeting.updated'] });
      subB = await subscribe(apiB, b, {
        url: receiverB.url,
        events: ['meeting.updated'],
        description: "B's own",
      });
      meetingOfA = await createScheduledMeeting(apiA, a, 'A, for rotation');
      meetingOfB = await createScheduledMeeting(apiB, b, 'B, private');
    });

    it('refuses app keys a link-local, unlisted or credentialed URL with 400 validation_failed naming url', async () => {
      for (const url of [
        'http://169.254.169.254/latest/meta-data/',
        'http://10.1.2.3/hooks',
        'https://hooks.example.com/zoom',
        'https://user:pw@127.0.0.1/hooks',
      ]) {
        const answer = await apiA(b, 'POST', '/api/webhook-subscriptions', {
          body: { url, events: ['meeting.*'] },
        });
        expect({ url, status: answer.status, json: answer.json }).toMatchObject({
          url,
          status: 400,
          json: { code: 'validation_failed', errors: [{ field: 'url' }] },
        });
      }
      const listed = objectOf(await apiA(a, 'GET', '/api/webhook-subscriptions'));
      const urls = z.array(z.looseObject({ url: z.string() })).parse(listed.subscriptions);
      expect(urls.map((u) => u.url)).not.toContainEqual(
        expect.stringMatching(/169\.254|10\.1\.2\.3|example\.com|user/),
      );
    });

    it("answers 404 to app A for B's subscription (get, patch, delete, rotate, replay, its deliveries) and lists A only its own", async () => {
      const path = `/api/webhook-subscriptions/${subB.id}`;
      expect(await patchInZoom(simulator, meetingOfB, { topic: 'B, private, renamed' })).toBe(204);
      const [ofB] = await eventually(
        () => deliveries(apiB, a, { subscription: subB.id, status: 'delivered' }),
        (list) => list.length > 0,
      );
      expect(ofB).toMatchObject({ app: 'app-b', event: 'meeting.updated' });
      for (const [method, route, body] of [
        ['GET', path, undefined],
        ['PATCH', path, { description: 'taken over' }],
        ['DELETE', path, undefined],
        ['POST', `${path}/rotate-secret`, {}],
        ['POST', `${path}/replay`, { since: '2020-01-01T00:00:00Z' }],
        ['GET', `/api/webhook-deliveries?subscription=${subB.id}`, undefined],
        ['POST', `/api/webhook-deliveries/${ofB?.id}/retry`, undefined],
      ] as const) {
        const answer = await apiA(b, method, route, body === undefined ? {} : { body });
        expect({ method, route, status: answer.status, code: objectOf(answer).code }).toEqual({
          method,
          route,
          status: 404,
          code: 'not_found',
        });
      }
      // B's subscription is untouched, and still B's.
      const mine = await apiB(a, 'GET', path);
      expect({ status: mine.status, json: mine.json }).toMatchObject({
        status: 200,
        json: { id: subB.id, app: 'app-b', description: "B's own" },
      });
      const listed = objectOf(await apiA(a, 'GET', '/api/webhook-subscriptions'));
      const ids = z
        .array(z.looseObject({ id: z.string(), app: z.string() }))
        .parse(listed.subscriptions);
      expect(ids.map((s) => s.app)).toEqual(ids.map(() => 'app-a'));
      expect(ids.map((s) => s.id)).toContain(subA.id);
      expect(ids.map((s) => s.id)).not.toContain(subB.id);
      const visible = await deliveries(apiA, b, {});
      expect(visible.length).toBeGreaterThan(0);
      expect(visible.every((d) => d.app === 'app-a')).toBe(true);
      expect(visible.map((d) => d.id)).not.toContain(ofB?.id);
      expect(receiverA.receipts.map((r) => r.meetingId)).not.toContain(meetingOfB);
    });

    it('never answers a secret after the create, neither in the list nor for one subscription', async () => {
      for (const [call, path, secret] of [
        [apiA, `/api/webhook-subscriptions/${subA.id}`, subA.secret],
        [apiA, '/api/webhook-subscriptions', subA.secret],
        [apiB, `/api/webhook-subscriptions/${subB.id}`, subB.secret],
        [apiB, '/api/webhook-subscriptions', subB.secret],
      ] as const) {
        const answer = await call(a, 'GET', path);
        expect(answer.status).toBe(200);
        expect(answer.text).not.toContain(secret);
        expect(answer.text).not.toMatch(/"secret"|"nextSecret"/);
      }
    });

    it("signs with the old secret in x-zm-signature and the new one in x-zoom-gateway-signature-next during a rotation's overlap, and with the newest alone once it ends", async () => {
      const rotated = await apiA(b, 'POST', `/api/webhook-subscriptions/${subA.id}/rotate-secret`, {
        body: { overlapSeconds: 600 },
      });
      expect(rotated.status).toBe(200);
      const { secret: next } = bodyOf(Subscription, rotated.json);
      expect(next).not.toBe(subA.secret);
      expect(objectOf(rotated).newSecretSigningFrom).toEqual(expect.any(String));
      const got = (count: number) =>
        eventually(
          () => Promise.resolve(receiverA.accepted()),
          (list) => list.length >= count,
        );
      const before = receiverA.accepted().length;
      expect(await patchInZoom(simulator, meetingOfA, { topic: 'during the overlap' })).toBe(204);
      const during = itemAt(await got(before + 1), -1);
      expect(during.meetingId).toBe(meetingOfA);
      expect(signedWith(during, subA.secret)).toBe(true);
      expect(signedWith(during, next)).toBe(false);
      expect(signedWith(during, next, 'x-zoom-gateway-signature-next')).toBe(true);
      expect(signedWith(during, subA.secret, 'x-zoom-gateway-signature-next')).toBe(false);
      expect(
        objectOf(await apiA(a, 'GET', `/api/webhook-subscriptions/${subA.id}`))
          .newSecretSigningFrom,
      ).toEqual(expect.any(String));

      // A rotation with no overlap: its secret signs at once, alone.
      const now = await apiA(a, 'POST', `/api/webhook-subscriptions/${subA.id}/rotate-secret`, {
        body: { overlapSeconds: 0 },
      });
      expect(now.status).toBe(200);
      const { secret: newest } = bodyOf(Subscription, now.json);
      expect(await patchInZoom(simulator, meetingOfA, { topic: 'after the overlap' })).toBe(204);
      const after = itemAt(await got(before + 2), -1);
      expect(signedWith(after, newest)).toBe(true);
      for (const old of [subA.secret, next]) expect(signedWith(after, old)).toBe(false);
      expect(after.headers['x-zoom-gateway-signature-next']).toBeUndefined();
    });
  });
});
