import { request } from 'node:http';
import { z } from 'zod';
import { ZoomSimulator } from '../src/zoom-simulator/zoom-simulator.js';
import { createScheduledMeeting, eventually, GatewayFleet } from './support/fleet.js';
import { type GatewayAnswer, gatewayClient } from './support/gateway-client.js';
import { bodyOf, type GatewayProcess } from './support/gateway-process.js';

// Issue 16: `GET /v2/meetings/{id}` is served beside Express's router (src/fast-path). Express
// routes the same request spelled with a trailing slash to the Nest route, so each case below is
// asked both ways of one built gateway (PostgreSQL, Redis, simulator): the answers must be the
// same, byte for byte, and so must what reached Zoom, the log line and the metrics.

const OWNER_KEY = 'read-owner-key-0123456789abcdef';
const OTHER_KEY = 'read-other-key-0123456789abcdef';
const USERS_ONLY_KEY = 'read-users-key-0123456789abcdef';

const api = gatewayClient({ key: OWNER_KEY });
/** For calls that choose their key, or send none. */
const bare = gatewayClient();

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

/** An answer as the comparison reads it: status, body, every header (volatile ones by name only). */
function comparable(answer: GatewayAnswer) {
  const headers = [...answer.headers.entries()].map(([name, value]) =>
    VOLATILE.has(name) ? name : `${name}: ${value}`,
  );
  return { status: answer.status, body: answer.text, headers: headers.sort() };
}

/** `/v2/meetings/{id}` as the fast path takes it, and with a trailing slash, as only Express does. */
function bothSpellings(meetingId: string, query = ''): [string, string] {
  return [`/v2/meetings/${meetingId}${query}`, `/v2/meetings/${meetingId}/${query}`];
}

/** A GET through node:http, which sends conditional headers as given; its status and headers. */
function conditionalGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number | undefined; headers: string[]; requestId: unknown }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (response) => {
      response.resume();
      response.on('end', () => {
        const { date: _date, 'x-request-id': requestId, ...rest } = response.headers;
        resolve({
          status: response.statusCode,
          headers: Object.entries(rest).map(([name, value]) => `${name}: ${String(value)}`),
          requestId,
        });
      });
    })
      .on('error', reject)
      .end();
  });
}

describe('GET /v2/meetings/{id} beside the router answers exactly as the Nest route (one built gateway, PostgreSQL, Redis, simulator)', () => {
  const simulator = new ZoomSimulator({ plan: 'business' });
  let fleet: GatewayFleet;
  let gateway: GatewayProcess;
  let meetingId: string;

  const zoomGets = () =>
    simulator.control
      .requests()
      .filter(
        (r) => r.target === 'api' && r.method === 'GET' && r.path === `/v2/meetings/${meetingId}`,
      ).length;

  /** The same request both ways; `key: null` sends no Authorization header. */
  async function askBothWays(
    query: string,
    options: { key?: string | null; headers?: Record<string, string>; id?: string } = {},
  ): Promise<[GatewayAnswer, GatewayAnswer]> {
    const [fast, routed] = bothSpellings(options.id ?? meetingId, query);
    const key = options.key === null ? undefined : (options.key ?? OWNER_KEY);
    const call = { key, headers: options.headers };
    return [await bare(gateway, 'GET', fast, call), await bare(gateway, 'GET', routed, call)];
  }

  /** Requests to the meeting read route the gateway's metrics counted with `status`. */
  async function routeCount(status: string): Promise<number> {
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    const sample = new RegExp(
      `^http_request_duration_seconds_count\\{method="GET",route="/v2/meetings/:meetingId",status="${status}"\\} (\\d+)$`,
      'm',
    ).exec(metrics);
    return Number(sample?.[1] ?? 0);
  }

  beforeAll(async () => {
    fleet = await GatewayFleet.open({
      simulator,
      apiKeys: {
        owner: OWNER_KEY,
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
    ['no API key', '', { key: null }],
    ['an unknown API key', '', { key: 'not-a-key-0123456789abcdef' }],
    ['a key without the meetings grant', '', { key: USERS_ONLY_KEY }],
    ["another app's meeting", '', { key: OTHER_KEY }],
    ['a meeting id with a leading zero', '', { id: '0123' }],
    ['a meeting id beyond int64', '', { id: '99999999999999999999' }],
    ['an occurrence id that is not digits', '?occurrence_id=abc', {}],
  ])(
    'refuses %s with the same status, code and headers, and calls Zoom for neither',
    async (_, query, options) => {
      const before = zoomGets();
      const [fast, routed] = await askBothWays(query, options);
      expect(fast.status).toBeGreaterThanOrEqual(400);
      expect(comparable(fast)).toEqual(comparable(routed));
      expect(zoomGets()).toBe(before);
    },
  );

  it("answers Zoom's meeting the same way, with or without a query, each call reaching Zoom once", async () => {
    const noCache = { headers: { 'Cache-Control': 'no-cache' } };
    for (const query of ['', '?show_previous_occurrences=true']) {
      const before = zoomGets();
      const [fast, routed] = await askBothWays(query, noCache);
      expect(fast.status).toBe(200);
      expect(JSON.parse(fast.text)).toMatchObject({
        id: Number(meetingId),
        topic: 'read both ways',
      });
      expect(comparable(fast)).toEqual(comparable(routed));
      expect(zoomGets() - before).toBe(2);
    }
  });

  it('answers a cache hit and a revalidation with a matching If-None-Match (304) the same way, without calling Zoom', async () => {
    const [warm] = await askBothWays('');
    const before = zoomGets();
    const hits = await askBothWays('');
    expect(hits[0].headers.get('x-cache')).toBe('HIT');
    expect(comparable(hits[0])).toEqual(comparable(hits[1]));

    // fetch() turns a conditional request into a no-cache one (the Fetch standard), which
    // Express answers in full; node:http sends it as a caching client would.
    const etag = warm.headers.get('etag') ?? '';
    expect(etag).not.toBe('');
    const revalidate = (path: string) =>
      conditionalGet(`${gateway.url}${path}`, {
        authorization: `Bearer ${OWNER_KEY}`,
        'if-none-match': etag,
      });
    const [fastPath, routedPath] = bothSpellings(meetingId);
    const fast = await revalidate(fastPath);
    const routed = await revalidate(routedPath);
    expect(fast.status).toBe(304);
    expect(fast).toEqual({ ...routed, requestId: fast.requestId });
    expect(zoomGets()).toBe(before);
  });

  it('logs one line per request, with the request id it answered, as the Nest route logs it', async () => {
    const [fast, routed] = bothSpellings(meetingId);
    await api(gateway, 'GET', fast, { headers: { 'X-Request-Id': 'fast-read-1' } });
    await api(gateway, 'GET', routed, { headers: { 'X-Request-Id': 'routed-read-1' } });

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
      req: { id: 'fast-read-1', method: 'GET', url: fast },
      res: { statusCode: 200 },
    });
    expect(Object.keys(fastLine).sort()).toEqual(Object.keys(routedLine).sort());
  });

  it("counts both ways in the route's metrics, refusals by the guard included", async () => {
    const refusedBefore = await routeCount('401');
    const answeredBefore = await routeCount('200');
    await askBothWays('', { key: 'not-a-key-0123456789abcdef' });
    await askBothWays('');
    expect(await routeCount('401')).toBe(refusedBefore + 2);
    expect(await routeCount('200')).toBe(answeredBefore + 2);
  });
});
