import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MeetingsS2SAuthClient } from '@zoom/rivet/meetings';
import { UsersS2SAuthClient } from '@zoom/rivet/users';
import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { GatewayFleet, simulatorToken, pair } from './support/fleet.js';
import { type GatewayProcess, startGateway } from './support/gateway-process.js';
import { rawRequest } from './support/raw-http.js';

// Zoom's own Node SDK (@zoom/rivet, unmodified) pointed at two built gateway replicas, as the
// README tells a new user to do: the base URL switched to the gateway's /v2, and a token store
// that hands the SDK an API key instead of letting it mint Zoom tokens. The simulator's request
// log says what reached "Zoom".

const APP_KEY = 'sdk-app-key-0123456789abcdef';
/** A field neither the SDK's types nor the gateway know: Zoom ignores it, so it must pass. */
const unknownToTheSdk: object = { x_custom_field: 'kept' };

/** Rivet's TokenStore contract: a token that never nears expiry, so the SDK never mints. */
const apiKeyTokenStore = (key: string) => ({
  getLatestToken: () => ({
    accessToken: key,
    expirationTimeIso: '2999-01-01T00:00:00.000Z',
    scopes: [],
  }),
  storeToken: () => undefined,
});

/** Rivet's options for a gateway; `baseUrl` is honoured though absent from the clients' typings. */
const sdkOptions = (gateway: GatewayProcess) => ({
  clientId: 'unused-by-the-gateway',
  clientSecret: 'unused-by-the-gateway',
  accountId: 'unused-by-the-gateway',
  tokenStore: apiKeyTokenStore(APP_KEY),
  baseUrl: `${gateway.url}/v2`,
  disableReceiver: true as const,
});

describe("Zoom's SDK through the gateway (two replicas, PostgreSQL, Redis, simulator)", () => {
  const simulator = new ZoomSimulator({ plan: 'business' });
  let fleet: GatewayFleet;
  let a: GatewayProcess;
  let b: GatewayProcess;

  beforeAll(async () => {
    // The SDK reaches users, phone and unknown products too: every area, its own meetings.
    fleet = await GatewayFleet.open({
      simulator,
      apiKeys: { 'sdk[*=rw;ownership=own]': APP_KEY },
      logLevel: 'warn',
    });
    [a, b] = pair(await fleet.start(2));
  });

  afterAll(async () => {
    await fleet?.close();
  });

  it('creates, gets, updates, lists and deletes meetings as Zoom would answer them', async () => {
    const meetingsOnA = new MeetingsS2SAuthClient(sdkOptions(a)).endpoints.meetings;
    const meetingsOnB = new MeetingsS2SAuthClient(sdkOptions(b)).endpoints.meetings;
    const startTime = new Date(Date.now() + 86_400_000).toISOString(); // with milliseconds

    const created = await meetingsOnA.createMeeting({
      path: { userId: 'me' },
      // A field the SDK's types do not know goes through unchanged, as Zoom ignores it.
      body: {
        topic: 'Through the door',
        type: 2,
        start_time: startTime,
        duration: 30,
        ...unknownToTheSdk,
      },
    });
    expect(created.statusCode).toBe(201);
    const id = created.data!.id!;
    expect(created.data).toMatchObject({ topic: 'Through the door', type: 2, duration: 30 });
    expect(created.trackingId).toEqual(expect.any(String));

    const instant = await meetingsOnB.createMeeting({
      path: { userId: 'me' },
      body: { topic: 'Screen share', type: 10 },
    });
    expect([instant.statusCode, instant.data?.type]).toEqual([201, 10]);

    const got = await meetingsOnB.getMeeting({ path: { meetingId: id } });
    expect([got.statusCode, got.data?.join_url]).toEqual([200, created.data!.join_url]);

    const later = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const updated = await meetingsOnB.updateMeeting({
      path: { meetingId: id },
      body: { topic: 'Renamed through the door', start_time: later },
    });
    expect(updated.statusCode).toBe(204);

    const listed = await meetingsOnA.listMeetings({
      path: { userId: 'me' },
      query: { type: 'scheduled', page_size: 300 },
    });
    expect(listed.data?.meetings?.find((m) => m.id === id)?.topic).toBe('Renamed through the door');

    const deleted = await meetingsOnA.deleteMeeting({ path: { meetingId: id } });
    expect(deleted.statusCode).toBe(204);
    await expect(meetingsOnB.getMeeting({ path: { meetingId: id } })).rejects.toThrow(
      `[404/3001]: "Meeting does not exist: ${id}."`,
    );

    // One token for the whole fleet, and every call reached Zoom with it, never with the key.
    expect(simulator.control.stats().tokensMinted).toBe(1);
    const apiCalls = simulator.control.requests().filter((r) => r.target === 'api');
    expect(apiCalls.every((r) => r.authorization === 'bearer')).toBe(true);
  });

  it('reads the users product: get me and the account list', async () => {
    const users = new UsersS2SAuthClient(sdkOptions(a)).endpoints.users;
    const me = await users.getUser({ path: { userId: 'me' } });
    expect(me.statusCode).toBe(200);
    expect(me.data).toMatchObject({ id: expect.any(String), email: expect.any(String) });

    const listed = await users.listUsers({ query: { page_size: 1 } });
    expect(listed.statusCode).toBe(200);
    expect(listed.data?.users).toHaveLength(1);
    expect(listed.data?.next_page_token).toEqual(expect.any(String));
    const next = await users.listUsers({
      query: { page_size: 1, next_page_token: listed.data!.next_page_token! },
    });
    expect(next.data?.users?.[0]?.id).not.toBe(listed.data?.users?.[0]?.id);
  });

  it("reaches another product through the same door: Cloud Recording's list of a user's recordings", async () => {
    const { cloudRecording } = new MeetingsS2SAuthClient(sdkOptions(a)).endpoints;
    const listed = await cloudRecording.listAllRecordings({
      path: { userId: 'me' },
      query: { page_size: 30 },
    });
    expect(listed.statusCode).toBe(200);
    expect(listed.data).toMatchObject({ meetings: expect.any(Array) });
    expect(
      simulator.control
        .requests()
        .some((r) => r.path === '/v2/users/me/recordings' && r.status === 200),
    ).toBe(true);
  });

  it('uploads a profile picture as multipart, streamed to Zoom byte for byte', async () => {
    const users = new UsersS2SAuthClient(sdkOptions(b)).endpoints.users;
    const picture = join(mkdtempSync(join(tmpdir(), 'zg-sdk-')), 'me.jpg');
    writeFileSync(picture, Buffer.alloc(300_000, 7));
    const uploaded = await users.uploadUsersProfilePicture({
      path: { userId: 'me' },
      // The SDK types the file as a string but appends any value to its form-data: a file
      // stream, as its users pass one.
      // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- see above
      body: { pic_file: createReadStream(picture) as unknown as string },
    });
    expect(uploaded.statusCode).toBe(201);
    const upload = simulator.control
      .requests()
      .find((r) => r.method === 'POST' && r.path === '/v2/users/me/picture');
    expect(upload?.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(upload?.bodyBytes).toBeGreaterThan(300_000);
  });

  it('streams a binary download with Zoom’s own headers', async () => {
    const direct = await fetch(`${simulator.apiBaseUrl}/phone/recording/download/rec-1`, {
      headers: { Authorization: `Bearer ${await simulatorToken(simulator.baseUrl)}` },
    });
    const expected = createHash('sha256')
      .update(Buffer.from(await direct.arrayBuffer()))
      .digest('hex');

    const response = await fetch(`${a.url}/v2/phone/recording/download/rec-1`, {
      headers: { Authorization: `Bearer ${APP_KEY}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(direct.headers.get('content-type'));
    expect(response.headers.get('x-zm-trackingid')).toEqual(expect.any(String));
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.length).toBeGreaterThan(0);
    expect(createHash('sha256').update(body).digest('hex')).toBe(expected);
  });

  it('relays Zoom’s own answer for a route Zoom does not serve, and refuses a path that escapes /v2', async () => {
    const unknown = await fetch(`${a.url}/v2/no_such_product/things?x=1`, {
      headers: { Authorization: `Bearer ${APP_KEY}` },
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: expect.any(Number) });

    const before = simulator.control.requests().length;
    // fetch would resolve the dot segments itself; a raw request sends them as written.
    for (const path of ['/v2/users/%2e%2e/%2e%2e/oauth/token', '/v2/users/../../oauth/token'])
      expect(
        (await rawRequest(a, { path, headers: { Authorization: `Bearer ${APP_KEY}` } })).status,
      ).toBe(400);
    expect(simulator.control.requests()).toHaveLength(before);
  });

  it("sends calls to the regional host the token answer's api_url names when ZOOM_API_BASE_URL is unset", async () => {
    // Without ZOOM_API_BASE_URL the default would be api.zoom.us, unreachable here: only
    // following api_url (the simulator names itself) reaches Zoom.
    const regional = await startGateway({ ...fleet.env, ZOOM_API_BASE_URL: undefined });
    try {
      const me = await fetch(`${regional.url}/v2/users/me`, {
        headers: { Authorization: `Bearer ${APP_KEY}` },
      });
      expect(me.status).toBe(200);
    } finally {
      await regional.stop();
    }
  });

  it('refuses a caller without a key before anything reaches Zoom', async () => {
    const before = simulator.control.requests().length;
    const response = await fetch(`${b.url}/v2/users/me`);
    expect(response.status).toBe(401);
    expect(simulator.control.requests()).toHaveLength(before);
  });
});
