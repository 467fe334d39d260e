import { request } from 'node:http';
import { z } from 'zod';
import { ZoomSimulator } from '../src/zoom-simulator/zoom-simulator.js';
import { createScheduledMeeting, eventually, GatewayFleet } from './support/fleet.js';
import { gatewayClient } from './support/gateway-client.js';
import { bodyOf, type GatewayProcess } from './support/gateway-process.js';

// Issue 16: body-less GETs of `/v2/meetings/{id}` and of the pass-through are served beside
// Express's router (src/fast-path). A GET that carries a body (here an empty one,
// `Content-Length: 0`) still goes through Express and Nest, so each case below is asked both ways
// of one built gateway (PostgreSQL, Redis, simulator): the answers must be the same, byte for
// byte, and so must what reached Zoom, the log line and the metrics.

const OWNER_KEY = 'fast-owner-key-0123456789abcdef';
const OTHER_KEY = 'fast-other-key-0123456789abcdef';
const USERS_ONLY_KEY = 'fast-users-key-0123456789abcdef';

const api = gatewayClient({ key: OWNER_KEY });

/** Headers whose values differ from one call to the next by nature (time, ids, Zoom's counters). */
const VOLATILE = new Set([
  'date',
  'x-request-id',
  'x-zm-trackingid',
  'x-ratelimit-remaining',
  'age',
  'keep-alive',
  'connection',
]);

interface RawAnswer {
  status: number | undefined;
  /** Every header, a volatile one by its name only, sorted. */
  headers: string[];
  body: string;
}

/**
 * A GET through node:http (fetch() would add Cache-Control: no-cache to a conditional request);
 * `viaExpress` sends an empty body, which keeps the request on Express's router.
 */
function rawGet(
  gateway: GatewayProcess,
  path: string,
  headers: Record<string, string>,
  viaExpress: boolean,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const sent = viaExpress ? { ...headers, 'content-length': '0' } : headers;
    // The path as given (a URL would drop a `#fragment` before sending it).
    request({ host: '127.0.0.1', port: gateway.port, path, headers: sent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const names = Object.entries(response.headers).map(([name, value]) =>
          VOLATILE.has(name) ? name : `${name}: ${String(value)}`,
        );
        resolve({
          status: response.statusCode,
          headers: names.sort(),
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
    })
      .on('error', reject)
      .end();
  });
}

describe('GETs served beside the router answer exactly as the Nest routes (one built gateway, PostgreSQL, Redis, simulator)', () => {
  const simulator = new ZoomSimulator({ plan: 'business' });
  let fleet: GatewayFleet;
  let gateway: GatewayProcess;
  let meetingId: string;

  const zoomGets = (path: string) =>
    simulator.control
      .requests()
      .filter((r) => r.target === 'api' && r.method === 'GET' && r.path === path).length;

  /** The same GET both ways: through the fast path, then through Express. `key: null` sends none. */
  async function askBothWays(
    path: string,
    options: { key?: string | null; headers?: Record<string, string> } = {},
  ): Promise<[RawAnswer, RawAnswer]> {
    const key = options.key === null ? undefined : (options.key ?? OWNER_KEY);
    const headers = { ...options.headers, ...(key ? { authorization: `Bearer ${key}` } : {}) };
    return [
      await rawGet(gateway, path, headers, false),
      await rawGet(gateway, path, headers, true),
    ];
  }

  /** Requests to `route` the gateway's metrics counted with `status`. */
  async function routeCount(route: string, status: string): Promise<number> {
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    const sample = metrics
      .split('\n')
      .find((line) =>
        line.startsWith(
          `http_request_duration_seconds_count{method="GET",route="${route}",status="${status}"} `,
        ),
      );
    return Number(sample?.split(' ')[1] ?? 0);
  }

  beforeAll(async () => {
    fleet = await GatewayFleet.open({
      simulator,
      apiKeys: {
        'owner[meetings=rw;users=r]': OWNER_KEY,
        other: OTHER_KEY,
        'users-only[users=r]': USERS_ONLY_KEY,
      },
      extra: { CACHE_TTL_SECONDS: '300' },
    });
    [gateway] = await fleet.start(1);
    meetingId = await createScheduledMeeting(api, gateway!, 'read both ways');
  });

  afterAll(async () => {
    await fleet?.close();
  });

  it.each([
    ['no API key', 'meeting', { key: null }],
    ['an unknown API key', 'meeting', { key: 'not-a-key-0123456789abcdef' }],
    ['a key without the meetings grant', 'meeting', { key: USERS_ONLY_KEY }],
    ["another app's meeting", 'meeting', { key: OTHER_KEY }],
    ['a meeting id that is not a number', '/v2/meetings/abc', {}],
    ['a meeting id beyond int64', '/v2/meetings/99999999999999999999', {}],
    ['a meeting id that does not decode', '/v2/meetings/%E0%A4%A', {}],
    ['a pass-through path that does not decode', '/v2/users/%E0%A4%A/settings', {}],
    ["another app's meeting, with a fragment", 'meeting#/registrants', { key: OTHER_KEY }],
    // A fragment has no reading every parser shares (issue 25): refused before any route runs.
    ["the app's own meeting, with a fragment", 'meeting#x', {}],
    ['an occurrence id that is not digits', 'meeting?occurrence_id=abc', {}],
    ['a pass-through read outside the grants', 'meeting/recordings', {}],
    ["a pass-through read of another app's meeting", '/v2/past_meetings/{id}', { key: OTHER_KEY }],
    ['a pass-through read without a key', '/v2/users/me', { key: null }],
  ])(
    'refuses %s with the same status, code and headers, and calls Zoom for neither',
    async (_, spelled, options) => {
      const path = spelled.replace(/^meeting/, `/v2/meetings/{id}`).replace('{id}', meetingId);
      const before = simulator.control.requests().length;
      const [fast, routed] = await askBothWays(path, options);
      expect(fast.status).toBeGreaterThanOrEqual(400);
      expect(fast).toEqual(routed);
      expect(simulator.control.requests().length).toBe(before);
    },
  );

  it.each([
    ["Zoom's meeting", () => `/v2/meetings/${meetingId}`],
    [
      "Zoom's meeting with a query",
      () => `/v2/meetings/${meetingId}?show_previous_occurrences=true`,
    ],
    ['a user through the pass-through', () => '/v2/users/me'],
  ])('answers %s the same way, each call reaching Zoom once', async (_, pathOf) => {
    const path = pathOf();
    const zoomPath = path.split(/[?#]/)[0];
    const before = zoomGets(zoomPath);
    const [fast, routed] = await askBothWays(path, { headers: { 'cache-control': 'no-cache' } });
    expect(fast.status).toBe(200);
    expect(fast).toEqual(routed);
    expect(zoomGets(zoomPath) - before).toBe(2);
  });

  it('answers a cache hit and a matching If-None-Match (304) the same way, without calling Zoom', async () => {
    const path = `/v2/meetings/${meetingId}`;
    await askBothWays(path);
    const before = zoomGets(path);
    const [hit, routedHit] = await askBothWays(path);
    expect(hit.headers).toContain('x-cache: HIT');
    expect(hit).toEqual(routedHit);

    const etag = /^etag: (.+)$/.exec(hit.headers.find((h) => h.startsWith('etag: ')) ?? '')?.[1];
    expect(etag).toBeDefined();
    const [fast, routed] = await askBothWays(path, { headers: { 'if-none-match': etag ?? '' } });
    expect(fast.status).toBe(304);
    expect(fast).toEqual(routed);
    expect(zoomGets(path)).toBe(before);
  });

  it('logs one line per request, with the request id it answered, as the Nest route logs it', async () => {
    const path = `/v2/meetings/${meetingId}`;
    const auth = { authorization: `Bearer ${OWNER_KEY}` };
    await rawGet(gateway, path, { ...auth, 'x-request-id': 'fast-read-1' }, false);
    await rawGet(gateway, path, { ...auth, 'x-request-id': 'routed-read-1' }, true);

    const linesOf = (requestId: string) =>
      gateway
        .output()
        .split('\n')
        .filter((line) => line.includes(`"id":"${requestId}"`))
        .map((line): unknown => JSON.parse(line))
        .map((line) => bodyOf(z.looseObject({}), line));
    // The lines travel through a pipe: wait until both arrived.
    await eventually(
      () => Promise.resolve([...linesOf('fast-read-1'), ...linesOf('routed-read-1')]),
      (lines) => lines.length >= 2,
    );
    const [fastLine, ...moreFast] = linesOf('fast-read-1');
    const [routedLine, ...moreRouted] = linesOf('routed-read-1');
    expect([moreFast, moreRouted]).toEqual([[], []]);
    expect(fastLine).toMatchObject({
      msg: 'request completed',
      req: { id: 'fast-read-1', method: 'GET', url: path },
      res: { statusCode: 200 },
    });
    expect(Object.keys(fastLine).sort()).toEqual(Object.keys(routedLine).sort());
  });

  it("counts both ways in the route's metrics, refusals by the guard included", async () => {
    const route = '/v2/meetings/:meetingId';
    const path = `/v2/meetings/${meetingId}`;
    const refusedBefore = await routeCount(route, '401');
    const answeredBefore = await routeCount(route, '200');
    const passedBefore = await routeCount('/v2/*path', '200');
    await askBothWays(path, { key: 'not-a-key-0123456789abcdef' });
    await askBothWays(path);
    await askBothWays('/v2/users/me');
    expect(await routeCount(route, '401')).toBe(refusedBefore + 2);
    expect(await routeCount(route, '200')).toBe(answeredBefore + 2);
    expect(await routeCount('/v2/*path', '200')).toBe(passedBefore + 2);
  });
});
