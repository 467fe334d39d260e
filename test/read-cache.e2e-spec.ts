import { randomBytes } from 'node:crypto';
import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import {
  createScheduledMeeting,
  eventually,
  GatewayFleet,
  patchInZoom,
  pair,
} from './support/fleet.js';
import { type GatewayAnswer, gatewayClient, objectOf } from './support/gateway-client.js';
import { type GatewayProcess, startGateway } from './support/gateway-process.js';
import { TcpProxy } from './support/tcp-proxy.js';

// Issue 16, item 5: the read-through cache of meeting and user GETs, end to end. Two built
// replicas share PostgreSQL and Redis in front of the in-test simulator, whose request log says
// which reads reached "Zoom" and which the cache answered.

const APP_KEY = 'cache-app-key-0123456789abcdef';
/** An app that may change users (`users=rw`): a write to `/users/me`. */
const PEOPLE_KEY = 'cache-people-key-0123456789abcd';
const SECRET = `whsec-${randomBytes(12).toString('hex')}`;

const api = gatewayClient({ key: APP_KEY });

const meetingPath = (meetingId: string) => `/v2/meetings/${meetingId}`;

function readMeeting(
  gateway: GatewayProcess,
  meetingId: string,
  headers?: Record<string, string>,
): Promise<GatewayAnswer> {
  return api(gateway, 'GET', meetingPath(meetingId), { headers });
}

/** The cache's verdict: HIT or MISS, or `none` from a replica with no cache to miss. */
const cacheOf = (answer: GatewayAnswer) => answer.headers.get('x-cache') ?? 'none';

/** What a test compares of a meeting read: status, cache verdict and topic. */
const meetingRead = (answer: GatewayAnswer) => ({
  status: answer.status,
  cache: cacheOf(answer),
  topic: objectOf(answer).topic,
});

async function metricsOf(gateway: GatewayProcess): Promise<string> {
  return (await fetch(`${gateway.url}/metrics`)).text();
}

/** A replica's zoom_cache_requests_total, as `result/resource` → count. */
async function cacheReads(gateway: GatewayProcess): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const samples = (await metricsOf(gateway)).matchAll(
    /^zoom_cache_requests_total\{result="(\w+)",resource="(\w+)"\} (\d+)$/gm,
  );
  for (const [, result, resource, count] of samples)
    counts[`${result}/${resource}`] = Number(count);
  return counts;
}

/** The counts that changed from `before` to `after`, by how much (unchanged ones left out). */
function grown(before: Record<string, number>, after: Record<string, number>) {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return Object.fromEntries(
    [...names].flatMap((name) => {
      const delta = (after[name] ?? 0) - (before[name] ?? 0);
      return delta === 0 ? [] : [[name, delta]];
    }),
  );
}

/** meeting.updated events a replica processed, from its metrics. */
async function updatesProcessed(gateway: GatewayProcess): Promise<number> {
  const sample =
    /^zoom_webhook_events_total\{event="meeting\.updated",outcome="processed"\} (\d+)$/m.exec(
      await metricsOf(gateway),
    );
  return Number(sample?.[1] ?? 0);
}

describe('The read-through cache answers repeated reads for the whole fleet and forgets what changed (two replicas sharing Redis, PostgreSQL, simulator)', () => {
  const simulator = new ZoomSimulator({ plan: 'business' });
  let fleet: GatewayFleet;
  let a: GatewayProcess;
  let b: GatewayProcess;
  let proxy: TcpProxy | undefined;

  /** GETs of `path` that reached the simulator so far. */
  const zoomGets = (path: string) =>
    simulator.control
      .requests()
      .filter((r) => r.target === 'api' && r.method === 'GET' && r.path === path).length;

  beforeAll(async () => {
    fleet = await GatewayFleet.open({
      simulator,
      apiKeys: { 'app[meetings=rw;users=r]': APP_KEY, 'people[users=rw]': PEOPLE_KEY },
      logLevel: 'warn',
      extra: {
        // Longer than the file runs: a read that reaches Zoom here was bypassed or invalidated, never expired.
        CACHE_TTL_SECONDS: '300',
        ZOOM_WEBHOOK_SECRET_TOKEN: SECRET,
      },
    });
    [a, b] = pair(await fleet.start(2));
  });

  afterAll(async () => {
    await proxy?.close();
    await fleet?.close();
  });

  it('answers a meeting read again, on either replica, from the cache: one GET reaches Zoom and every hit repeats its body', async () => {
    const meetingId = await createScheduledMeeting(api, a, 'read three times');
    const before = zoomGets(meetingPath(meetingId));

    const miss = await readMeeting(a, meetingId);
    const hitOnA = await readMeeting(a, meetingId);
    const hitOnB = await readMeeting(b, meetingId);

    expect(meetingRead(miss)).toEqual({ status: 200, cache: 'MISS', topic: 'read three times' });
    for (const hit of [hitOnA, hitOnB]) {
      expect({
        status: hit.status,
        cache: hit.headers.get('x-cache'),
        age: hit.headers.get('age'),
        type: hit.headers.get('content-type'),
        body: hit.text,
      }).toEqual({
        status: 200,
        cache: 'HIT',
        age: expect.stringMatching(/^[0-5]$/),
        type: miss.headers.get('content-type'),
        body: miss.text,
      });
    }
    expect(zoomGets(meetingPath(meetingId)) - before).toBe(1);
  });

  it('reaches Zoom for a read with Cache-Control: no-cache, no-store or Pragma: no-cache, though the cache holds the answer', async () => {
    const meetingId = await createScheduledMeeting(api, a, 'read fresh');
    // A user other than `me`: its own cache entry, so the users/me case below starts cold.
    const userPath = `/v2/users/${simulator.ownerUser.id}`;
    // Filled and shown to be held: a bypass that fell back on the cache would answer HIT.
    expect((await readMeeting(a, meetingId)).status).toBe(200);
    expect((await readMeeting(b, meetingId)).headers.get('x-cache')).toBe('HIT');
    expect((await api(a, 'GET', userPath)).status).toBe(200);
    expect((await api(b, 'GET', userPath)).headers.get('x-cache')).toBe('HIT');
    const meetingBefore = zoomGets(meetingPath(meetingId));
    const userBefore = zoomGets(userPath);
    const counted = await cacheReads(a);

    const bypasses: Array<Record<string, string>> = [
      { 'Cache-Control': 'no-cache' },
      { 'Cache-Control': 'no-store' },
      { Pragma: 'no-cache' },
    ];
    for (const headers of bypasses) {
      const meeting = await readMeeting(a, meetingId, headers);
      const user = await api(a, 'GET', userPath, { headers });
      expect({
        headers,
        meeting: [meeting.status, cacheOf(meeting)],
        user: [user.status, user.headers.get('x-cache')],
      }).toEqual({ headers, meeting: [200, 'MISS'], user: [200, 'MISS'] });
    }

    expect(zoomGets(meetingPath(meetingId)) - meetingBefore).toBe(bypasses.length);
    expect(zoomGets(userPath) - userBefore).toBe(bypasses.length);
    expect(grown(counted, await cacheReads(a))).toEqual({
      'bypass/meeting': bypasses.length,
      'bypass/user': bypasses.length,
    });
  });

  it('forgets a meeting for the whole fleet when it is updated through the other replica', async () => {
    const meetingId = await createScheduledMeeting(api, a, 'before the update');
    expect((await readMeeting(a, meetingId)).status).toBe(200);
    expect((await readMeeting(a, meetingId)).headers.get('x-cache')).toBe('HIT');

    const patched = await api(b, 'PATCH', meetingPath(meetingId), {
      body: { topic: 'updated through B' },
    });
    expect(patched.status).toBe(204);
    const before = zoomGets(meetingPath(meetingId));
    const fresh = await readMeeting(a, meetingId);

    expect(meetingRead(fresh)).toEqual({ status: 200, cache: 'MISS', topic: 'updated through B' });
    expect(zoomGets(meetingPath(meetingId)) - before).toBe(1);
    // The fresh answer is the fleet's cached copy in turn.
    const onB = await readMeeting(b, meetingId);
    expect([onB.headers.get('x-cache'), onB.text]).toEqual(['HIT', fresh.text]);
  });

  it("keeps answering a meeting changed in Zoom behind the gateway's back until Zoom's meeting.updated webhook arrives, then reads it from Zoom again", async () => {
    const meetingId = await createScheduledMeeting(api, a, 'before the portal');
    // Zoom's webhooks reach replica B through a proxy the test holds, so the event arrives when
    // the test lets it; only this case has webhooks on, so no other case is invalidated by one.
    proxy = new TcpProxy(b.port);
    await proxy.listen();
    await simulator.control.setWebhook({
      url: `http://127.0.0.1:${proxy.port}/webhooks/zoom`,
      secretToken: SECRET,
      timeoutMs: 30_000,
    });
    const updates = () =>
      simulator.control.webhookDeliveries().filter((d) => d.event === 'meeting.updated');
    try {
      expect((await readMeeting(a, meetingId)).status).toBe(200);
      const processedBefore = await updatesProcessed(b);
      proxy.freeze();
      expect(await patchInZoom(simulator, meetingId, { topic: 'changed in the portal' })).toBe(204);
      // Zoom has sent the event; it is held in the proxy.
      const held = await eventually(
        () => Promise.resolve(updates()),
        (deliveries) => deliveries.length === 1 && deliveries[0]?.attempts === 1,
      );
      expect(held).toEqual([{ event: 'meeting.updated', attempts: 1, delivered: false }]);
      expect(simulator.control.getMeeting(meetingId)?.topic).toBe('changed in the portal');
      const before = zoomGets(meetingPath(meetingId));

      for (const replica of [a, b])
        expect(meetingRead(await readMeeting(replica, meetingId))).toEqual({
          status: 200,
          cache: 'HIT',
          topic: 'before the portal',
        });
      expect(zoomGets(meetingPath(meetingId)) - before).toBe(0);

      proxy.thaw();
      const processed = await eventually(
        () => updatesProcessed(b),
        (count) => count > processedBefore,
      );
      expect(processed).toBe(processedBefore + 1);
      expect(updates()).toEqual([
        { event: 'meeting.updated', attempts: 1, delivered: true, lastStatus: 200 },
      ]);
      const fresh = await readMeeting(a, meetingId);
      expect(meetingRead(fresh)).toEqual({
        status: 200,
        cache: 'MISS',
        topic: 'changed in the portal',
      });
      expect(zoomGets(meetingPath(meetingId)) - before).toBe(1);
    } finally {
      await simulator.control.setWebhook(null);
    }
  });

  it('answers GET /v2/users/me again from the cache with its age, and counts hits and misses of meetings and users in /metrics', async () => {
    const meetingId = await createScheduledMeeting(api, b, 'counted');
    const counted = await cacheReads(a);
    const meBefore = zoomGets('/v2/users/me');
    const meetingBefore = zoomGets(meetingPath(meetingId));

    const userMiss = await api(a, 'GET', '/v2/users/me');
    const userHit = await api(a, 'GET', '/v2/users/me');
    const meetingMiss = await readMeeting(a, meetingId);
    const meetingHit = await readMeeting(a, meetingId);

    expect([userMiss.status, userMiss.headers.get('x-cache'), userMiss.headers.get('age')]).toEqual(
      [200, 'MISS', null],
    );
    expect(objectOf(userMiss)).toMatchObject({ id: simulator.ownerUser.id });
    expect({
      status: userHit.status,
      cache: userHit.headers.get('x-cache'),
      body: userHit.text,
    }).toEqual({ status: 200, cache: 'HIT', body: userMiss.text });
    // Whole seconds since Zoom answered: a moment ago.
    expect(userHit.headers.get('age')).toMatch(/^\d+$/);
    expect(Number(userHit.headers.get('age'))).toBeLessThanOrEqual(5);
    expect([cacheOf(meetingMiss), cacheOf(meetingHit)]).toEqual(['MISS', 'HIT']);
    expect(zoomGets('/v2/users/me') - meBefore).toBe(1);
    expect(zoomGets(meetingPath(meetingId)) - meetingBefore).toBe(1);
    expect(grown(counted, await cacheReads(a))).toEqual({
      'hit/meeting': 1,
      'miss/meeting': 1,
      'hit/user': 1,
      'miss/user': 1,
    });
  });

  it("reaches Zoom for every read on a replica started with CACHE_TTL_SECONDS=0, though the fleet's cache holds the answer", async () => {
    // A third replica on the same database, Redis and simulator, with its cache off.
    const uncached = await startGateway({ ...fleet.env, CACHE_TTL_SECONDS: '0' });
    try {
      const meetingId = await createScheduledMeeting(api, uncached, 'never cached');
      // In the shared cache, and shown to be: a replica that still read Redis would answer HIT.
      expect((await readMeeting(a, meetingId)).status).toBe(200);
      expect((await readMeeting(b, meetingId)).headers.get('x-cache')).toBe('HIT');
      expect((await api(a, 'GET', '/v2/users/me')).status).toBe(200);
      expect((await api(b, 'GET', '/v2/users/me')).headers.get('x-cache')).toBe('HIT');
      const meetingBefore = zoomGets(meetingPath(meetingId));
      const meBefore = zoomGets('/v2/users/me');
      const counted = await cacheReads(uncached);

      const answers = [
        await readMeeting(uncached, meetingId),
        await readMeeting(uncached, meetingId),
        await api(uncached, 'GET', '/v2/users/me'),
        await api(uncached, 'GET', '/v2/users/me'),
      ];

      expect(answers.map((answer) => [answer.status, cacheOf(answer)])).toEqual([
        [200, 'none'],
        [200, 'none'],
        [200, 'none'],
        [200, 'none'],
      ]);
      expect(zoomGets(meetingPath(meetingId)) - meetingBefore).toBe(2);
      expect(zoomGets('/v2/users/me') - meBefore).toBe(2);
      // With the cache off there is no cache read to count.
      expect(grown(counted, await cacheReads(uncached))).toEqual({});
    } finally {
      await uncached.stop();
    }
  });

  it("forgets the token's own user by its id too when it is written as /users/me through the other replica", async () => {
    const byId = `/v2/users/${simulator.ownerUser.id}`;
    // Replica A reads who `me` is and the same user by id: two entries of one user.
    expect(
      (await api(a, 'GET', '/v2/users/me', { headers: { 'Cache-Control': 'no-cache' } })).status,
    ).toBe(200);
    await api(a, 'GET', '/v2/users/me');
    await api(a, 'GET', byId);
    expect(cacheOf(await api(a, 'GET', byId))).toBe('HIT');

    const boundary = 'zg-read-cache';
    const uploaded = await api(b, 'POST', '/v2/users/me/picture', {
      key: PEOPLE_KEY,
      headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
      raw:
        `--${boundary}\r\nContent-Disposition: form-data; name="pic_file"; filename="me.jpg"\r\n` +
        `Content-Type: image/jpeg\r\n\r\n${'x'.repeat(64)}\r\n--${boundary}--\r\n`,
    });
    expect(uploaded.status).toBe(201);
    const before = zoomGets(byId);
    const fresh = await api(a, 'GET', byId);

    expect([fresh.status, cacheOf(fresh), zoomGets(byId) - before]).toEqual([200, 'MISS', 1]);
  });
});
