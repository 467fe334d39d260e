import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { z } from 'zod';
import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { GatewayFleet } from './support/fleet.js';
import {
  type CallOptions,
  type GatewayAnswer,
  gatewayClient,
  meetingIdOf,
  objectOf,
} from './support/gateway-client.js';
import { bodyOf, type GatewayProcess } from './support/gateway-process.js';

// MeetingsModule end to end: two built gateway replicas sharing PostgreSQL and Redis, in front
// of an in-test Zoom simulator whose counters say exactly what reached "Zoom".

const APP_KEY = 'app-key-0123456789abcdef';
const OPS_KEY = 'ops-key-0123456789abcdef';
const CREATE_ROUTE = 'POST /v2/users/:userId/meetings';

const call = gatewayClient({ key: APP_KEY });

/** A page of meeting records, as far as these tests read it. */
const RecordPage = z.looseObject({
  meetings: z.array(z.looseObject({ topic: z.unknown() })),
  nextCursor: z.string().nullable(),
});

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

describe('MeetingsModule (two replicas, PostgreSQL, Redis, simulator)', () => {
  const simulator = new ZoomSimulator({ plan: 'pro' });
  let fleet: GatewayFleet;
  const pair = (): [GatewayProcess, GatewayProcess] => {
    const [a, b] = fleet?.replicas ?? [];
    if (!a || !b) throw new Error('replicas are not running');
    return [a, b];
  };
  const createCalls = () => simulator.control.stats().apiCallsByRoute[CREATE_ROUTE] ?? {};

  beforeAll(async () => {
    fleet = await GatewayFleet.open({
      simulator,
      apiKeys: { app: APP_KEY },
      adminKeys: { ops: OPS_KEY },
      logLevel: 'warn',
    });
    // Started together: migrations run once under the advisory lock.
    await fleet.start(2);
  });

  afterAll(async () => {
    await fleet?.close();
  });

  it('creates, gets, lists, patches and deletes with Zoom shapes while the record follows each step', async () => {
    const [a, b] = pair();
    const created = await call(a, 'POST', '/v2/users/me/meetings', {
      body: {
        topic: 'CRUD sync',
        type: 2,
        start_time: '2031-03-04T10:00:00Z',
        duration: 45,
        timezone: 'UTC',
      },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      id: expect.any(Number),
      uuid: expect.any(String),
      topic: 'CRUD sync',
      start_time: '2031-03-04T10:00:00Z',
      join_url: expect.stringMatching(/^https:\/\//),
    });
    const meeting = bodyOf(z.looseObject({ id: z.number(), join_url: z.unknown() }), created.json);
    const idText = /"id":(\d+)/.exec(created.text)?.[1] ?? 'missing';

    const record = await call(b, 'GET', `/api/meetings/${idText}`);
    expect(record.json).toMatchObject({
      meetingId: idText,
      status: 'active',
      createdBy: 'app',
      hostUser: 'me',
      topic: 'CRUD sync',
      startTime: '2031-03-04T10:00:00.000Z',
      duration: 45,
      joinUrl: meeting.join_url,
    });

    const fetched = await call(b, 'GET', `/v2/meetings/${idText}`);
    expect([fetched.status, objectOf(fetched).id]).toEqual([200, meeting.id]);

    const listed = await call(a, 'GET', '/v2/users/me/meetings?type=scheduled&page_size=300');
    const list = bodyOf(
      z.looseObject({ meetings: z.array(z.looseObject({ id: z.number() })) }),
      listed.json,
    );
    expect(list.meetings.map((m) => m.id)).toContain(meeting.id);

    const patched = await call(b, 'PATCH', `/v2/meetings/${idText}`, {
      body: { topic: 'CRUD sync (moved)', duration: 60 },
    });
    expect(patched.status).toBe(204);
    expect(simulator.control.getMeeting(idText)).toMatchObject({
      topic: 'CRUD sync (moved)',
    });
    const afterPatch = await call(a, 'GET', `/api/meetings/${idText}`);
    expect(afterPatch.json).toMatchObject({
      topic: 'CRUD sync (moved)',
      duration: 60,
      status: 'active',
    });

    const deleted = await call(
      a,
      'DELETE',
      `/v2/meetings/${idText}?schedule_for_reminder=false&cancel_meeting_reminder=true`,
    );
    expect([deleted.status, deleted.text]).toEqual([204, '']);
    expect(simulator.control.getMeeting(idText)).toBeUndefined();
    const afterDelete = await call(b, 'GET', `/api/meetings/${idText}`);
    expect(afterDelete.json).toMatchObject({
      status: 'deleted',
      deletedAt: expect.any(String),
      deletionReason: expect.stringContaining('app'),
    });

    const again = await call(b, 'DELETE', `/v2/meetings/${idText}`);
    expect([again.status, again.json]).toEqual([
      404,
      { code: 3001, message: `Meeting does not exist: ${idText}.` },
    ]);
    const stillDeleted = await call(a, 'GET', `/api/meetings/${idText}`);
    expect(stillDeleted.json).toMatchObject({
      status: 'deleted',
      deletedAt: objectOf(afterDelete).deletedAt,
    });
  });

  it('marks the record deleted and relays 404/3001 when Zoom lost the meeting out of band', async () => {
    const [a] = pair();
    const created = await call(a, 'POST', '/v2/users/me/meetings', {
      body: { topic: 'Gone elsewhere' },
    });
    const id = String(meetingIdOf(created));
    simulator.control.deleteMeetingOutOfBand(id);
    const deleted = await call(a, 'DELETE', `/v2/meetings/${id}`);
    expect([deleted.status, objectOf(deleted).code]).toEqual([404, 3001]);
    const record = await call(a, 'GET', `/api/meetings/${id}`);
    expect(objectOf(record).status).toBe('deleted');
  });

  it('pages the records with an opaque cursor and filters them', async () => {
    const [a, b] = pair();
    const user = simulator.control.addUser({
      email: `pager-${randomUUID().slice(0, 8)}@example.com`,
    });
    for (let i = 0; i < 5; i++) {
      const created = await call(i % 2 ? a : b, 'POST', `/v2/users/${user.email}/meetings`, {
        body: { topic: `page ${i}` },
      });
      expect(created.status).toBe(201);
    }
    const seen: unknown[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `userId=${encodeURIComponent(user.email)}&status=active&createdBy=app&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await call(a, 'GET', `/api/meetings?${query}`);
      expect(page.status).toBe(200);
      const records = bodyOf(RecordPage, page.json);
      seen.push(...records.meetings.map((m) => m.topic));
      cursor = records.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['page 4', 'page 3', 'page 2', 'page 1', 'page 0']);
    const none = await call(
      a,
      'GET',
      `/api/meetings?userId=${encodeURIComponent(user.email)}&status=failed`,
    );
    expect(none.json).toEqual({ meetings: [], nextCursor: null });
  });

  it('creates one meeting with one Zoom call for six concurrent creates sharing an Idempotency-Key on two replicas', async () => {
    const key = randomUUID();
    const body = {
      topic: 'Idempotent standup',
      type: 2,
      start_time: '2031-05-06T09:00:00Z',
      duration: 15,
    };
    const before = sum(createCalls());
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        call(pair()[i % 2], 'POST', '/v2/users/me/meetings', {
          body,
          headers: { 'Idempotency-Key': key },
        }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201]);
    expect(new Set(answers.map((r) => objectOf(r).id)).size).toBe(1);
    expect(new Set(answers.map((r) => r.text)).size).toBe(1);
    expect(sum(createCalls()) - before).toBe(1);
    const records = await call(pair()[0], 'GET', '/api/meetings?limit=100');
    const mine = bodyOf(RecordPage, records.json).meetings.filter(
      (m) => m.topic === 'Idempotent standup',
    );
    expect(mine.length).toBe(1);

    const reused = await call(pair()[1], 'POST', '/v2/users/me/meetings', {
      body: { ...body, topic: 'Something else' },
      headers: { 'Idempotency-Key': key },
    });
    expect([reused.status, objectOf(reused).code]).toEqual([409, 'idempotency_key_reused']);
    expect(sum(createCalls()) - before).toBe(1);
  });

  it('answers creates past a user daily limit with 429 and Retry-After while Zoom sees one capped call', async () => {
    const user = simulator.control.addUser({
      email: `capped-${randomUUID().slice(0, 8)}@example.com`,
    });
    simulator.control.setDailyMeetingLimit(5);
    try {
      const before = createCalls()['429'] ?? 0;
      const answers: GatewayAnswer[] = [];
      for (let i = 0; i < 8; i++) {
        answers.push(
          await call(pair()[i % 2], 'POST', `/v2/users/${user.email}/meetings`, {
            body: { topic: `capped ${i}` },
          }),
        );
      }
      expect(answers.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 429, 429, 429]);
      for (const refused of answers.slice(5)) {
        expect(refused.headers.get('retry-after')).toMatch(/\S/);
        expect(objectOf(refused).code).toBe(429);
      }
      expect((createCalls()['429'] ?? 0) - before).toBeLessThanOrEqual(1);
      const records = await call(
        pair()[0],
        'GET',
        `/api/meetings?userId=${encodeURIComponent(user.email)}&status=active`,
      );
      expect(bodyOf(RecordPage, records.json).meetings.length).toBe(5);
    } finally {
      simulator.control.setDailyMeetingLimit(100);
    }
  });

  it('paces a burst of 120 concurrent creates on two replicas so all succeed with a handful of Zoom 429s at most', async () => {
    // Zoom allows 100 creates per host per day, so the burst is spread over four hosts.
    const hosts = Array.from({ length: 4 }, () =>
      simulator.control.addUser({ email: `burst-${randomUUID().slice(0, 8)}@example.com` }),
    );
    const before = simulator.control.stats().rateLimited;
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        call(pair()[i % 2], 'POST', `/v2/users/${hosts[i % 4].email}/meetings`, {
          body: { topic: `burst ${i}` },
        }),
      ),
    );
    const elapsed = Date.now() - started;
    const statuses = answers.reduce<Record<number, number>>(
      (acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }),
      {},
    );
    const zoom429 = simulator.control.stats().rateLimited - before;
    console.log(
      `burst of 120: ${JSON.stringify(statuses)} in ${elapsed} ms; Zoom answered 429 ${zoom429} times`,
    );
    expect(statuses).toEqual({ 201: 120 });
    // A handful, as the bench's burst goal says: the gateway's windows and Zoom's seconds are not
    // aligned, so a call at a second's edge may draw a 429 (retried in Zoom's next second; every
    // create above succeeded). Seen: 0 to 4 on a fresh-clone CI run; unpaced, a burst draws ~80.
    expect(zoom429).toBeLessThanOrEqual(6);
  });

  it('refuses bad input with a 4xx JSON code and never calls Zoom', async () => {
    const [a] = pair();
    const create = '/v2/users/me/meetings';
    type Case = [
      name: string,
      method: string,
      path: string,
      init: CallOptions,
      status: number,
      code: number | string,
    ];
    const cases: Case[] = [
      ['malformed JSON', 'POST', create, { raw: '{"topic": "x",' }, 400, 300],
      ['an array body', 'POST', create, { raw: '[{"topic":"x"}]' }, 400, 300],
      [
        'a body over 1 MB',
        'POST',
        create,
        { body: { topic: 'x', agenda: 'y'.repeat(1_100_000) } },
        413,
        'payload_too_large',
      ],
      ['no body at all', 'POST', create, {}, 400, 300],
      [
        '__proto__ at the top level',
        'POST',
        create,
        { raw: '{"topic":"x","__proto__":{"admin":true}}' },
        400,
        300,
      ],
      [
        'constructor.prototype in settings',
        'POST',
        create,
        { raw: '{"settings":{"constructor":{"prototype":{"x":1}}}}' },
        400,
        300,
      ],
      ['type 4', 'POST', create, { body: { type: 4 } }, 400, 300],
      [
        'a start_time in neither Zoom format',
        'POST',
        create,
        { body: { start_time: '04/03/2031 10:00' } },
        400,
        300,
      ],
      [
        'an impossible date',
        'POST',
        create,
        { body: { start_time: '2031-02-30T10:00:00Z' } },
        400,
        300,
      ],
      ['a negative duration', 'POST', create, { body: { duration: -5 } }, 400, 300],
      ['a fractional duration', 'POST', create, { body: { duration: 1.5 } }, 400, 300],
      ['a 201-character topic', 'POST', create, { body: { topic: 't'.repeat(201) } }, 400, 300],
      ['a 2001-character agenda', 'POST', create, { body: { agenda: 'a'.repeat(2001) } }, 400, 300],
      [
        'settings of the wrong type',
        'POST',
        create,
        { body: { settings: { host_video: 'yes' } } },
        400,
        300,
      ],
      [
        'recurrence of an unknown type',
        'POST',
        create,
        { body: { type: 8, recurrence: { type: 9 } } },
        400,
        300,
      ],
      [
        'path traversal in the user id',
        'POST',
        '/v2/users/..%2F..%2Fadmin/meetings',
        { body: {} },
        400,
        'invalid_path',
      ],
      ['a user id with spaces', 'GET', '/v2/users/not%20a%20user/meetings', {}, 400, 300],
      ['a 20-digit meeting id', 'GET', '/v2/meetings/12345678901234567890', {}, 400, 300],
      ['a meeting id above 2^63-1', 'DELETE', '/v2/meetings/9223372036854775808', {}, 400, 300],
      ['a negative meeting id', 'GET', '/v2/meetings/-1', {}, 400, 300],
      [
        'path traversal in the meeting id',
        'GET',
        '/v2/meetings/..%2F..%2Fusers',
        {},
        400,
        'invalid_path',
      ],
      ['a page_size of 0', 'GET', '/v2/users/me/meetings?page_size=0', {}, 400, 300],
      ['type 7', 'POST', create, { body: { type: 7 } }, 400, 300],
      ['a duration that is not a number', 'POST', create, { body: { duration: 'x' } }, 400, 300],
      ['an unknown list type', 'GET', '/v2/users/me/meetings?type=everything', {}, 400, 300],
      [
        'a records limit of 100000',
        'GET',
        '/api/meetings?limit=100000',
        {},
        400,
        'validation_failed',
      ],
      [
        'a forged records cursor',
        'GET',
        '/api/meetings?cursor=bm90LWEtY3Vyc29y',
        {},
        400,
        'validation_failed',
      ],
      [
        'a repeated query parameter',
        'DELETE',
        '/v2/meetings/123?occurrence_id=1&occurrence_id=2',
        {},
        400,
        300,
      ],
      [
        'an over-long Idempotency-Key',
        'POST',
        create,
        { body: {}, headers: { 'Idempotency-Key': 'k'.repeat(300) } },
        400,
        300,
      ],
      ['a bad record id', 'GET', '/api/meetings/..%2Fetc', {}, 400, 'invalid_path'],
    ];
    const before = simulator.control.stats().apiCalls;
    for (const [name, method, path, init, status, code] of cases) {
      const answer = await call(a, method, path, init);
      const error = bodyOf(z.looseObject({}).optional(), answer.json);
      expect({ name, status: answer.status, code: error?.code }).toEqual({ name, status, code });
      expect(typeof error?.message).toBe('string');
    }
    expect(simulator.control.stats().apiCalls - before).toBe(0);
  });
});

/** What reached "Zoom": a proxy in front of the simulator that keeps each API request's body. */
class RecordingProxy {
  readonly seen: { method: string; url: string; body: string }[] = [];
  private server: Server | undefined;

  constructor(private readonly target: string) {}

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (chunk: Buffer) => parts.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(parts).toString('utf8');
        const url = req.url ?? '/';
        if (url.startsWith('/v2/')) this.seen.push({ method: req.method ?? 'GET', url, body });
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers))
          if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
        void fetch(`${this.target}${url}`, {
          method: req.method,
          headers,
          body: body === '' ? undefined : body,
        }).then(
          async (answer) => {
            res.writeHead(answer.status, {
              'content-type': answer.headers.get('content-type') ?? 'application/json',
            });
            res.end(Buffer.from(await answer.arrayBuffer()));
          },
          () => res.destroy(),
        );
      });
    });
    await new Promise<void>((done) => this.server!.listen(0, '127.0.0.1', done));
    const address = this.server.address();
    if (typeof address !== 'object' || address === null) throw new Error('proxy is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }
}

describe('MeetingsModule accepts what Zoom accepts (one replica, recording proxy, simulator)', () => {
  const simulator = new ZoomSimulator({ rateLimits: false });
  let proxy: RecordingProxy;
  let fleet: GatewayFleet;
  let gateway: GatewayProcess | undefined;

  beforeAll(async () => {
    await simulator.listen(0);
    proxy = new RecordingProxy(simulator.baseUrl);
    const proxyUrl = await proxy.listen();
    fleet = await GatewayFleet.open({
      simulator,
      apiKeys: { app: APP_KEY },
      logLevel: 'warn',
      extra: { ZOOM_API_BASE_URL: `${proxyUrl}/v2` },
    });
    [gateway] = await fleet.start(1);
  });

  afterAll(async () => {
    await fleet?.close();
    await proxy?.close();
  });

  it('creates with a toISOString() start_time and forwards a field it does not know to Zoom unchanged', async () => {
    // Whole seconds (Zoom keeps no fraction), still written by toISOString() as `...:00.000Z`.
    const start = new Date(Math.ceil(Date.now() / 1000) * 1000 + 86_400_000).toISOString();
    const created = await call(gateway!, 'POST', '/v2/users/me/meetings', {
      body: { topic: 'Lenient', type: '2', start_time: start, duration: '30', colour: 'red' },
    });
    expect(created.status).toBe(201);
    const sent = proxy.seen.filter((r) => r.method === 'POST' && r.url === '/v2/users/me/meetings');
    const body = bodyOf(z.looseObject({}), JSON.parse(sent.at(-1)?.body ?? '{}'));
    expect(body).toMatchObject({
      colour: 'red',
      start_time: start,
      duration: '30',
    });
    const record = await call(gateway!, 'GET', `/api/meetings/${String(meetingIdOf(created))}`);
    expect(record.json).toMatchObject({
      status: 'active',
      startTime: start,
    });
  });

  it('reads a page_size above 300 as 300 and forwards query parameters it does not know', async () => {
    const listed = await call(
      gateway!,
      'GET',
      '/v2/users/me/meetings?page_size=1000&future_flag=1',
    );
    expect(listed.status).toBe(200);
    const sent = proxy.seen.filter((r) => r.url.startsWith('/v2/users/me/meetings?')).at(-1);
    const query = new URL(sent?.url ?? '/', 'http://x').searchParams;
    expect([query.get('page_size'), query.get('future_flag')]).toEqual(['300', '1']);
  });
});
