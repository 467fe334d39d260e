import { createHmac } from 'node:crypto';
import {
  startSim,
  startWebhookReceiver,
  type SimHarness,
  type WebhookReceiver,
} from './testing/sim-test-helpers.js';
import { ZoomSimulator } from './zoom-simulator.js';

const SECRET = 'webhook-secret-token';

describe(ZoomSimulator.name, () => {
  let h: SimHarness;
  let receiver: WebhookReceiver;
  let token: string;

  beforeEach(async () => {
    receiver = await startWebhookReceiver(SECRET);
    h = await startSim({ rateLimits: false });
    token = await h.token();
  });

  afterEach(async () => {
    await h.close();
    await receiver.close();
  });

  const configure = (retryDelaysMs = [20, 20, 20], timeoutMs?: number) =>
    h.sim.control.setWebhook({ url: receiver.url, secretToken: SECRET, retryDelaysMs, timeoutMs });

  it('validates the endpoint with endpoint.url_validation before anything else', async () => {
    await expect(configure()).resolves.toBeUndefined();
    const [first] = receiver.requests;
    expect(first.json).toEqual({
      payload: { plainToken: expect.any(String) },
      event_ts: expect.any(Number),
      event: 'endpoint.url_validation',
    });
    expect(first.verified).toBe(true);
  });

  it('refuses an endpoint that answers url_validation with the wrong hash', async () => {
    receiver.answerValidationCorrectly = false;
    await expect(configure()).rejects.toThrow(/url_validation/);
  });

  it('sends meeting.created signed over the exact bytes, which a verifier written from Zoom’s docs accepts', async () => {
    await configure();
    const created = await h.api(token, 'POST', '/users/me/meetings', { topic: 'Hooked' });
    await vi.waitFor(() => expect(receiver.events('meeting.created')).toHaveLength(1));
    const [event] = receiver.events('meeting.created');
    const ts = String(event.headers['x-zm-request-timestamp']);
    const independent = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${event.rawBody}`).digest('hex')}`;
    expect([event.verified, event.headers['x-zm-signature']]).toEqual([true, independent]);
    expect(ts).toMatch(/^\d{10}$/);
    expect(event.json).toEqual({
      event: 'meeting.created',
      event_ts: expect.any(Number),
      payload: {
        account_id: 'sim-account-id',
        operator: 'sim-owner@example.com',
        operator_id: h.sim.ownerUser.id,
        operation: 'single',
        object: expect.objectContaining({
          id: created.body.id,
          uuid: created.body.uuid,
          host_id: created.body.host_id,
          topic: 'Hooked',
          type: 2,
        }),
      },
    });
  });

  it('sends meeting.updated and meeting.deleted, including for out-of-band deletions', async () => {
    await configure();
    const a = await h.api(token, 'POST', '/users/me/meetings', { topic: 'A' });
    await h.api(token, 'PATCH', `/meetings/${a.body.id}`, { topic: 'A2' });
    await h.api(token, 'DELETE', `/meetings/${a.body.id}`);
    const b = h.sim.control.createMeetingOutOfBand('me', { topic: 'B' });
    h.sim.control.deleteMeetingOutOfBand(String(b.id));
    await vi.waitFor(() => expect(receiver.events()).toHaveLength(5));
    const byEvent = receiver.events().map((r) => [r.json.event, r.json.payload.object.id]);
    expect(byEvent).toEqual(
      expect.arrayContaining([
        ['meeting.created', a.body.id],
        ['meeting.updated', a.body.id],
        ['meeting.deleted', a.body.id],
        ['meeting.created', b.id],
        ['meeting.deleted', b.id],
      ]),
    );
    const updated = receiver.events('meeting.updated')[0].json.payload;
    expect([updated.object.topic, updated.old_object.topic]).toEqual(['A2', 'A']);
    expect(receiver.events().every((r) => r.verified)).toBe(true);
  });

  it('retries a failed delivery on the (compressed) schedule until a 2xx', async () => {
    await configure([10, 10, 10]);
    receiver.respond({ sequence: [500, 503, 200] });
    await h.api(token, 'POST', '/users/me/meetings', { topic: 'Retry' });
    await vi.waitFor(() =>
      expect(h.sim.control.webhookDeliveries()).toEqual([
        { event: 'meeting.created', attempts: 3, delivered: true, lastStatus: 200 },
      ]),
    );
    expect(receiver.events('meeting.created')).toHaveLength(3);
  });

  it('gives up after Zoom’s three retries', async () => {
    await configure([5, 5, 5]);
    receiver.respond({ status: 500 });
    await h.api(token, 'POST', '/users/me/meetings', { topic: 'Never' });
    await vi.waitFor(() =>
      expect(h.sim.control.webhookDeliveries()).toEqual([
        { event: 'meeting.created', attempts: 4, delivered: false, lastStatus: 500 },
      ]),
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(receiver.events('meeting.created')).toHaveLength(4);
  });

  it('treats a reply slower than the timeout as failed, and never blocks the API response', async () => {
    await configure([10], 100);
    receiver.respond({ sequence: [200, 200], delayMs: 300 });
    const started = Date.now();
    const res = await h.api(token, 'POST', '/users/me/meetings', { topic: 'Slow' });
    const elapsed = Date.now() - started;
    expect([res.status, elapsed < 250]).toEqual([201, true]);
    await vi.waitFor(() =>
      expect(h.sim.control.webhookDeliveries()).toEqual([
        { event: 'meeting.created', attempts: 2, delivered: false },
      ]),
    );
  });

  it('validates lazily, before the first delivery, when configured at construction', async () => {
    const lazy = await startSim({
      rateLimits: false,
      webhook: { url: receiver.url, secretToken: SECRET, retryDelaysMs: [10] },
    });
    try {
      const t = await lazy.token();
      await lazy.api(t, 'POST', '/users/me/meetings', { topic: 'Lazy' });
      await vi.waitFor(() => expect(receiver.events('meeting.created')).toHaveLength(1));
      expect(receiver.requests.map((r) => r.json.event)).toEqual([
        'endpoint.url_validation',
        'meeting.created',
      ]);
    } finally {
      await lazy.close();
    }
  });
});
