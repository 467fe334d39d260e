import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { createScheduledMeeting, GatewayFleet } from './support/fleet.js';
import { gatewayClient } from './support/gateway-client.js';
import type { GatewayProcess } from './support/gateway-process.js';
import { type RawResponse, rawRequest } from './support/raw-http.js';

// Issue 25: one canonical path. Every trick an app key holder tried (raw request targets, sent
// byte for byte) is refused before any check runs and reaches Zoom never; every form Zoom
// documents reaches Zoom byte for byte.

const APP_KEY = 'app-key-0123456789abcdef'; // meetings=rw, ownership=own
const READER_KEY = 'reader-key-0123456789abcdef'; // users=r
const OPS_KEY = 'ops-key-0123456789abcdef'; // admin: every area, every meeting

/** The `code` of a JSON error body. */
function codeOf(answer: RawResponse): unknown {
  const parsed: unknown = JSON.parse(answer.body);
  return typeof parsed === 'object' && parsed !== null && 'code' in parsed
    ? parsed.code
    : undefined;
}

/** Sends `target` as the request line's target exactly as written (fetch would normalise it). */
function raw(
  gateway: GatewayProcess,
  method: string,
  target: string,
  key: string,
  body?: string,
): Promise<RawResponse> {
  return rawRequest(gateway, {
    method,
    path: target,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body,
  });
}

describe('One canonical path (issue 25)', () => {
  const simulator = new ZoomSimulator({ plan: 'business' });
  let fleet: GatewayFleet;
  let gateway: GatewayProcess;
  let own: string;
  let other: string;
  const apiCalls = () => simulator.control.requests().filter((r) => r.target === 'api');

  beforeAll(async () => {
    fleet = await GatewayFleet.open({
      simulator,
      apiKeys: { app: APP_KEY, 'reader[users=r]': READER_KEY },
      adminKeys: { ops: OPS_KEY },
      logLevel: 'warn',
    });
    [gateway] = await fleet.start(1);
    own = await createScheduledMeeting(gatewayClient({ key: APP_KEY }), gateway!, 'own');
    other = await createScheduledMeeting(gatewayClient({ key: OPS_KEY }), gateway!, 'other');
  });

  afterAll(async () => {
    await fleet?.close();
  });

  it.each([
    ['GET', '/v2/users/#/meetings/x', APP_KEY],
    ['GET', '/v2/users/someone@example.com#/meetings/x', APP_KEY],
    ['PATCH', '/v2/users/me#/meetings/x', APP_KEY],
    ['DELETE', '/v2/users/me#/meetings/x', APP_KEY],
    ['GET', '/v2/meetings/{own}#/recordings', APP_KEY],
    ['GET', '/v2/users/me/meetings#/../../upcoming_meetings', APP_KEY],
    ['GET', '/v2/users/me/upcoming_meetings#x', READER_KEY],
    ['GET', '/v2/meetings/{own}?x=1#/../../users', APP_KEY],
    ['GET', '/v2/meetings/{own}/..;/{other}', APP_KEY],
    ['GET', '/v2/meetings/{own};/{other}', APP_KEY],
    ['DELETE', '/v2/meetings/{own}%3B/../{other}', APP_KEY],
    ['GET', '/v2/meetings/{own}/%2e%2e/{other}', APP_KEY],
    ['GET', '/v2/meetings/{own}/.%2E/{other}', APP_KEY],
    ['GET', '/v2/meetings/{own}/%252e%252e/{other}', APP_KEY],
    ['GET', '/v2/meetings/{own}%2F..%2F{other}', APP_KEY],
    ['GET', '/v2/meetings/{own}/..\\{other}', APP_KEY],
    ['GET', '/v2/meetings/{own}%5C..%5C{other}', APP_KEY],
    ['GET', '/v2/meetings//{other}', APP_KEY],
    ['GET', '/v2/users/me%2Fmeetings', READER_KEY],
    ['GET', 'http://zoom.example/v2/users/me', READER_KEY],
  ])('answers %s %s with 400 invalid_path and sends Zoom nothing', async (method, target, key) => {
    const before = apiCalls().length;
    const sent = target.replaceAll('{own}', own).replaceAll('{other}', other);
    const answer = await raw(gateway, method, sent, key, method === 'PATCH' ? '{}' : undefined);
    expect({
      status: answer.status,
      code: codeOf(answer),
    }).toEqual({
      status: 400,
      code: 'invalid_path',
    });
    expect(apiCalls().length).toBe(before);
  });

  it('still refuses the app what its grants do not cover, on the canonical path', async () => {
    const before = apiCalls().length;
    const answer = await raw(gateway, 'GET', `/v2/meetings/${own}/recordings`, APP_KEY);
    expect([answer.status, codeOf(answer)]).toEqual([403, 'grant_missing']);
    expect(apiCalls().length).toBe(before);
  });

  it('sends Zoom only the caller headers on its allow-list: no method override, no rewritten URL', async () => {
    const before = apiCalls().length;
    const answer = await fetch(`${gateway.url}/v2/users/me`, {
      headers: {
        authorization: `Bearer ${OPS_KEY}`,
        'x-http-method-override': 'DELETE',
        'x-original-url': '/v2/users',
        'x-rewrite-url': '/v2/users',
        'x-forwarded-host': 'evil.example',
        accept: 'application/json',
      },
    });
    expect(answer.status).toBe(200);
    const [reached] = apiCalls().slice(before);
    expect(reached?.method).toBe('GET');
    const names = reached?.headerNames ?? [];
    for (const name of [
      'x-http-method-override',
      'x-original-url',
      'x-rewrite-url',
      'x-forwarded-host',
    ])
      expect(names).not.toContain(name);
    expect(names).toContain('accept');
  });

  it.each([
    // A percent-encoded email, and a query with repeated parameters and odd escapes, kept as sent.
    ['GET', '/v2/users/jane.doe%40example.com'],
    ['GET', '/v2/users?status=active&status=pending&page_size=30&x=%7e%zz+y'],
    // A meeting UUID with `/` inside, encoded once; one that starts with `/`, encoded twice.
    ['GET', '/v2/meetings/aB3%2FxY9kLmN0pQrStUvWzA%3D%3D/recordings'],
    ['GET', '/v2/past_meetings/%252FajXp112QmuoKj4854875%253D%253D/instances'],
    ['GET', '/v2/past_meetings/aB3xY9kLmN0pQrStUvWzA%252F%252FA%3D%3D/participants?page_size=30'],
    ['GET', '/v2/report/meetings/%252FajXp112QmuoKj4854875%253D%253D/participants'],
  ])('sends the documented form %s %s to Zoom byte for byte', async (method, target) => {
    const before = apiCalls().length;
    const answer = await raw(gateway, method, target, OPS_KEY);
    expect(answer.status).not.toBe(400);
    const reached = apiCalls().slice(before);
    expect(reached.map((r) => `${r.method} ${r.url}`)).toEqual([`${method} ${target}`]);
  });
});
