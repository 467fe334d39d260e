import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { createScheduledMeeting, GatewayFleet } from './support/fleet.js';
import { gatewayClient } from './support/gateway-client.js';
import type { GatewayProcess } from './support/gateway-process.js';
import { rawRequest } from './support/raw-http.js';

// Issue 27, item 6: each hot route is served by the handler it claims, through Nest's whole
// pipeline on Fastify (no request is served beside the router any more). What tells: the route
// template Fastify matched, as the request metrics and the request's span name it; a route
// served by another handler would be counted under another template.

const KEY = 'hot-key-0123456789abcdef';
const api = gatewayClient({ key: KEY });

/** `http_request_duration_seconds_count` for one method, route template and status. */
async function servedCount(
  gateway: GatewayProcess,
  method: string,
  route: string,
  status: number,
): Promise<number> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('http_request_duration_seconds_count{') &&
        l.includes(`method="${method}"`) &&
        l.includes(`route="${route}"`) &&
        l.includes(`status="${status}"`),
    );
  return Number(line?.split(' ').at(-1) ?? 0);
}

describe('Hot routes, each served by its own handler (one built gateway, PostgreSQL, Redis, simulator)', () => {
  const simulator = new ZoomSimulator({ plan: 'business' });
  let fleet: GatewayFleet;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    fleet = await GatewayFleet.open({
      simulator,
      apiKeys: { 'hot[meetings=rw;users=r]': KEY },
      logLevel: 'warn',
    });
    [gateway] = await fleet.start(1);
  });

  afterAll(async () => {
    await fleet?.close();
  });

  it.each([
    ['a meeting read', 'GET', (id: string) => `/v2/meetings/${id}`, '/v2/meetings/:meetingId'],
    ['a pass-through read', 'GET', () => '/v2/users/me', '/v2/*'],
    ['a list of meetings', 'GET', () => '/v2/users/me/meetings', '/v2/users/:userId/meetings'],
  ])('serves %s by its own route', async (_name, method, pathOf, route) => {
    const id = await createScheduledMeeting(api, gateway, 'Hot route');
    const before = await servedCount(gateway, method, route, 200);
    const answer = await api(gateway, method, pathOf(id));
    expect(answer.status, answer.text).toBe(200);
    expect(await servedCount(gateway, method, route, 200)).toBe(before + 1);
  });

  it("serves a create by the meetings route, which keeps the gateway's record", async () => {
    const route = '/v2/users/:userId/meetings';
    const before = await servedCount(gateway, 'POST', route, 201);
    const id = await createScheduledMeeting(api, gateway, 'Recorded');
    expect(await servedCount(gateway, 'POST', route, 201)).toBe(before + 1);
    const records = await api(gateway, 'GET', `/api/meetings?limit=100`);
    expect(records.text).toContain(id);
  });

  it('answers a read with a weak ETag, and a matching If-None-Match with 304 and no body', async () => {
    const id = await createScheduledMeeting(api, gateway, 'Conditional');
    const headers = { authorization: `Bearer ${KEY}` };
    const first = await rawRequest(gateway, { path: `/v2/meetings/${id}`, headers });
    expect(first.status).toBe(200);
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^W\/"/);
    // node:http, not fetch: fetch adds Cache-Control to a conditional request.
    const again = await rawRequest(gateway, {
      path: `/v2/meetings/${id}`,
      headers: { ...headers, 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    // A write is never answered 304, whatever its If-None-Match.
    const write = await fetch(`${gateway.url}/v2/users/me/meetings`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'if-none-match': etag },
      body: JSON.stringify({
        topic: 'x',
        type: 2,
        duration: 30,
        start_time: '2031-01-01T10:00:00Z',
      }),
    });
    expect(write.status).toBe(201);
  });
});
