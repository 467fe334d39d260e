import type { Server } from 'node:http';
import { MeetingsS2SAuthClient } from '@zoom/rivet/meetings';
import { DeliverySender } from './delivery-sender.js';

// Zoom's own Node SDK (@zoom/rivet, unmodified) as a subscriber: its HTTP receiver verifies
// x-zm-signature with the webhook secret token it is given, exactly as for events from Zoom.
// Given a subscription's secret, it must accept the gateway's deliveries; given another, refuse.

const SECRET = 'subscription-secret-for-rivet';

describe('a delivery received by @zoom/rivet', () => {
  const sender = new DeliverySender();
  let client: MeetingsS2SAuthClient;
  let server: Server;
  let url: string;
  const received: unknown[] = [];

  beforeAll(async () => {
    client = new MeetingsS2SAuthClient({
      clientId: 'unused',
      clientSecret: 'unused',
      accountId: 'unused',
      webhooksSecretToken: SECRET,
      port: 0,
    });
    client.webEventConsumer?.event('meeting.updated', ({ payload }) => {
      received.push(payload);
    });
    server = await client.start();
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('Rivet is not on a port');
    url = `http://127.0.0.1:${address.port}/zoom/events`;
  });

  afterAll(async () => {
    await sender.onApplicationShutdown();
    await new Promise((resolve) => server.close(resolve));
  });

  const body = JSON.stringify({
    event: 'meeting.updated',
    event_ts: 1764331200123,
    payload: { account_id: 'acc', object: { id: 85746065432, topic: 'Renamed' } },
  });

  it('accepts a delivery signed with the subscription secret and hands the event to its handler', async () => {
    const outcome = await sender.send({
      url,
      body,
      deliveryId: '00000000-0000-4000-8000-000000000001',
      eventId: 'e'.repeat(64),
      secrets: { signing: SECRET },
      timestamp: Math.floor(Date.now() / 1000),
    });
    expect(outcome).toEqual({ ok: true, status: 200 });
    expect(received).toEqual([
      { account_id: 'acc', object: { id: 85746065432, topic: 'Renamed' } },
    ]);
  });

  it('is refused by the receiver when signed with another secret', async () => {
    const outcome = await sender.send({
      url,
      body,
      deliveryId: '00000000-0000-4000-8000-000000000002',
      eventId: 'e'.repeat(64),
      secrets: { signing: 'another-subscription-secret' },
      timestamp: Math.floor(Date.now() / 1000),
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? 0 : outcome.status).toBe(400);
  });
});
