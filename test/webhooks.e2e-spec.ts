import { createHmac, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { createScheduledMeeting, eventually, GatewayFleet, patchInZoom } from './support/fleet.js';
import { gatewayClient, objectOf } from './support/gateway-client.js';
import { type GatewayProcess } from './support/gateway-process.js';

// Webhooks end to end: two built gateway replicas (PostgreSQL, Redis) receive real signed
// events from the in-test Zoom simulator; forged, stale and replayed requests are sent by hand.

const APP_KEY = 'app-key-0123456789abcdef';
const SECRET = `whsec-${randomBytes(12).toString('hex')}`;

/**
 * Zoom's documented verification, written here from the docs and not imported from the
 * gateway: message `v0:{x-zm-request-timestamp}:{body}`, `x-zm-signature` = `v0=` + hex
 * HMAC-SHA256(secret token, message); URL validation answer = hex HMAC-SHA256(secret token, plainToken).
 */
const docs = {
  sign(body: string, timestampSeconds: number, secret = SECRET): Record<string, string> {
    const timestamp = String(timestampSeconds);
    const hash = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
    return { 'x-zm-request-timestamp': timestamp, 'x-zm-signature': `v0=${hash}` };
  },
  encryptedToken: (plainToken: string) =>
    createHmac('sha256', SECRET).update(plainToken).digest('hex'),
};
const nowSeconds = () => Math.floor(Date.now() / 1000);

const api = gatewayClient({ key: APP_KEY });
const unauthenticated = gatewayClient();

function webhook(gateway: GatewayProcess, body: string, headers: Record<string, string>) {
  return unauthenticated(gateway, 'POST', '/webhooks/zoom', {
    raw: body,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

function deletedEvent(meetingId: string): string {
  return JSON.stringify({
    event: 'meeting.deleted',
    payload: {
      account_id: 'sim-account-id',
      operator: 'forger@example.com',
      object: { id: Number(meetingId), uuid: 'x' },
    },
    event_ts: Date.now(),
  });
}

/** meeting.deleted and meeting.updated events a replica processed as ignored, from its metrics. */
async function ignoredEvents(gateway: GatewayProcess): Promise<number> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  return [
    ...text.matchAll(
      /zoom_webhook_events_total\{event="meeting\.(?:deleted|updated)",outcome="ignored"\} (\d+)/g,
    ),
  ].reduce((sum, m) => sum + Number(m[1]), 0);
}

describe('WebhooksModule (two replicas, PostgreSQL, Redis, simulator sending signed events)', () => {
  const simulator = new ZoomSimulator({ rateLimits: false });
  let fleet: GatewayFleet;
  let a: GatewayProcess;
  let b: GatewayProcess;

  const createMeeting = (topic: string) => createScheduledMeeting(api, a, topic);

  const record = async (meetingId: string) =>
    objectOf(await api(b, 'GET', `/api/meetings/${meetingId}`));

  beforeAll(async () => {
    fleet = await GatewayFleet.open({
      simulator,
      // ownership=all: it reads the records of meetings adopted from Zoom, which no app created.
      apiKeys: { 'app[meetings=rw;ownership=all]': APP_KEY },
      extra: {
        ZOOM_WEBHOOK_SECRET_TOKEN: SECRET,
        ZOOM_WEBHOOK_ADOPT_CREATED: 'true',
        RECONCILE_INTERVAL: '3600', // only webhooks keep records true in this file
      },
    });
    [a, b] = await fleet.start(['a', 'b'], { oneByOne: true });
    // Zoom validates the endpoint (endpoint.url_validation) before it sends any event; this throws if that fails.
    await simulator.control.setWebhook({
      url: `${a.url}/webhooks/zoom`,
      secretToken: SECRET,
      retryDelaysMs: [300, 600],
    });
  });

  afterAll(async () => {
    await fleet?.close();
  });

  it('says at start-up that webhooks are on', () => {
    expect(a.output()).toContain('Webhooks on');
  });

  it('answers endpoint.url_validation with the token a verifier written from Zoom docs expects', async () => {
    const plainToken = randomBytes(16).toString('base64url');
    const body = JSON.stringify({
      payload: { plainToken },
      event_ts: Date.now(),
      event: 'endpoint.url_validation',
    });
    const answer = await webhook(b, body, docs.sign(body, nowSeconds()));
    expect({ status: answer.status, json: answer.json }).toEqual({
      status: 200,
      json: { plainToken, encryptedToken: docs.encryptedToken(plainToken) },
    });
    // The simulator validated the endpoint the same way before it agreed to deliver events.
    const unsigned = await webhook(b, body, {});
    expect(unsigned.status).toBe(401);
  });

  it('marks a meeting deleted in Zoom outside the gateway as deleted, from the signed webhook', async () => {
    const meetingId = await createMeeting('deleted in the portal');
    await expect(record(meetingId)).resolves.toMatchObject({ status: 'active' });
    const deliveredBefore = simulator.control
      .webhookDeliveries()
      .filter((d) => d.event === 'meeting.deleted').length;
    simulator.control.deleteMeetingOutOfBand(meetingId);
    const after = await eventually(
      () => record(meetingId),
      (r) => r.status === 'deleted',
    );
    expect(after).toMatchObject({
      status: 'deleted',
      deletionReason: expect.stringContaining('webhook'),
    });
    const deliveries = simulator.control
      .webhookDeliveries()
      .filter((d) => d.event === 'meeting.deleted');
    expect(deliveries.length).toBe(deliveredBefore + 1);
    expect(deliveries.at(-1)).toMatchObject({
      delivered: true,
      attempts: 1,
      lastStatus: 200,
    });
  });

  it('refreshes topic, start time and duration when another app updates the meeting in Zoom', async () => {
    const meetingId = await createMeeting('before');
    // Another app calls Zoom directly, with its own token.
    const patched = await patchInZoom(simulator, meetingId, {
      topic: 'after',
      duration: 75,
      start_time: '2030-01-02T03:04:05Z',
    });
    expect(patched).toBe(204);
    const after = await eventually(
      () => record(meetingId),
      (r) => r.topic === 'after',
    );
    expect(after).toMatchObject({
      status: 'active',
      topic: 'after',
      duration: 75,
      startTime: '2030-01-02T03:04:05.000Z',
    });
  });

  it('answers forged, missing and stale signatures with 401 and changes nothing', async () => {
    const meetingId = await createMeeting('target of forgeries');
    const body = deletedEvent(meetingId);
    const forged = await webhook(b, body, docs.sign(body, nowSeconds(), 'not-the-secret'));
    const missing = await webhook(b, body, {});
    const stale = await webhook(b, body, docs.sign(body, nowSeconds() - 6 * 60));
    for (const answer of [forged, missing, stale]) {
      expect(answer).toMatchObject({
        status: 401,
        json: { code: 'invalid_signature' },
      });
    }
    // A refused signature is answered before any event is queued: nothing runs in the background.
    await expect(record(meetingId)).resolves.toMatchObject({ status: 'active' });
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metrics).toMatch(/zoom_webhook_signature_failures_total\{reason="mismatch"\} 1/);
    expect(metrics).toMatch(/zoom_webhook_signature_failures_total\{reason="stale_timestamp"\} 1/);
  });

  it('changes nothing when an event is replayed, even to another replica with a fresh signature', async () => {
    const meetingId = await createMeeting('original');
    const update = (topic: string, ts: number) =>
      JSON.stringify({
        event: 'meeting.updated',
        payload: { object: { id: Number(meetingId), topic } },
        event_ts: ts,
      });
    const first = update('first', Date.now());
    const second = update('second', Date.now() + 1);
    await expect(webhook(a, first, docs.sign(first, nowSeconds()))).resolves.toMatchObject({
      status: 200,
      json: { status: 'accepted' },
    });
    await eventually(
      () => record(meetingId),
      (r) => r.topic === 'first',
    );
    await expect(webhook(a, second, docs.sign(second, nowSeconds()))).resolves.toMatchObject({
      status: 200,
    });
    await eventually(
      () => record(meetingId),
      (r) => r.topic === 'second',
    );
    // The first event again, byte for byte, as Zoom's retry or a replay would send it.
    const replay = await webhook(b, first, docs.sign(first, nowSeconds()));
    expect(replay).toMatchObject({
      status: 200,
      json: { status: 'duplicate' },
    });
    // A duplicate is told apart before the answer and never queued: nothing runs in the background.
    await expect(record(meetingId)).resolves.toMatchObject({ topic: 'second' });
  });

  it('records a meeting created outside the gateway, and only its own record for a meeting it created', async () => {
    const ours = await createMeeting('created through the gateway');
    const outside = simulator.control.createMeetingOutOfBand(simulator.ownerUser.id, {
      topic: 'made in the portal',
      type: 2,
      duration: 20,
      start_time: '2031-05-06T07:08:09Z',
    }) as { id: number };
    // Adoption waits a grace period (5 s) so the gateway's own create flow records its meeting first.
    const adopted = await eventually(
      () => record(String(outside.id)),
      (r) => r?.status === 'active',
      10_000,
    );
    expect(adopted).toMatchObject({
      status: 'active',
      topic: 'made in the portal',
      createdBy: 'zoom:adopted',
      startTime: '2031-05-06T07:08:09.000Z',
    });
    await expect(record(ours)).resolves.toMatchObject({ status: 'active', createdBy: 'app' });
  });

  it('answers 400 JSON to a signed body that is not a JSON object', async () => {
    for (const body of ['[1,2,3]', '{"payload":{}}']) {
      await expect(webhook(b, body, docs.sign(body, nowSeconds()))).resolves.toMatchObject({
        status: 400,
        json: { code: 'validation_failed' },
      });
    }
    const broken = await webhook(b, '{"event":', docs.sign('{"event":', nowSeconds()));
    expect(broken).toMatchObject({
      status: 400,
      json: { code: 'malformed_json' },
    });
  });

  it('answers 503 within 3 s while the events table is locked, so Zoom retries, and applies the event once stored', async () => {
    const meetingId = await createMeeting('slow database');
    const locker = new Client({ connectionString: fleet.database.url });
    await locker.connect();
    const body = JSON.stringify({
      event: 'meeting.deleted',
      payload: { operator: 'portal@example.com', object: { id: Number(meetingId) } },
      event_ts: Date.now(),
    });
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE webhook_events IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const answer = await webhook(a, body, docs.sign(body, nowSeconds()));
      const elapsed = Date.now() - started;
      // Never acknowledge what is not stored: Zoom retries a 5xx.
      expect(answer).toMatchObject({ status: 503, json: { code: 'service_unavailable' } });
      expect(elapsed).toBeLessThan(3_000);
      expect(await record(meetingId)).toMatchObject({ status: 'active' });
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    // The store that waited on the lock lands; Zoom's retry (the same bytes) is then a duplicate.
    await expect(
      eventually(
        () => record(meetingId),
        (r) => r.status === 'deleted',
      ),
    ).resolves.toMatchObject({ status: 'deleted' });
    expect(await webhook(b, body, docs.sign(body, nowSeconds()))).toMatchObject({
      status: 200,
      json: { status: 'duplicate' },
    });
  });

  it('keeps the record of a recurring meeting when Zoom deletes or changes one occurrence', async () => {
    const meetingId = await createMeeting('recurring, one occurrence touched');
    const occurrences = [{ occurrence_id: '1648194360000', start_time: '2031-01-01T10:00:00Z' }];
    const events = [
      {
        event: 'meeting.deleted',
        payload: { operation: 'single', object: { id: Number(meetingId), occurrences } },
      },
      {
        event: 'meeting.updated',
        payload: { scope: 'single', object: { id: Number(meetingId), topic: 'one occurrence' } },
      },
    ];
    const ignoredBefore = await ignoredEvents(b);
    for (const [i, event] of events.entries()) {
      const body = JSON.stringify({ ...event, event_ts: Date.now() + i });
      await expect(webhook(b, body, docs.sign(body, nowSeconds()))).resolves.toMatchObject({
        status: 200,
        json: { status: 'accepted' },
      });
    }
    // Both processed (as ignored) before the record is read: no fixed wait.
    await vi.waitFor(async () => expect(await ignoredEvents(b)).toBe(ignoredBefore + 2), {
      timeout: 8_000,
      interval: 100,
    });
    await expect(record(meetingId)).resolves.toMatchObject({
      status: 'active',
      topic: 'recurring, one occurrence touched',
    });
  });

  it('never logged the secret token or an unhandled error', () => {
    for (const replica of fleet.replicas) {
      expect(replica.output()).not.toContain(SECRET);
      expect(replica.output()).not.toContain('Unhandled error');
    }
  });
});
