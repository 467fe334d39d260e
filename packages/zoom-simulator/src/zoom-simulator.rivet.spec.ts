// Zoom's own Node SDK (@zoom/rivet, unmodified) against the simulator.
//
// Pointing Rivet at the simulator:
// - API calls: Rivet's WebEndpoints honour a `baseUrl` option (`hasCustomBaseUrl`), which the
//   product clients pass through to their endpoints; it is just not in the clients' typings,
//   hence the options object below is built first and then passed.
// - Token calls: S2SAuth posts to the module constant `https://zoom.us/oauth/token` with the
//   default axios instance. There is no option for it, so the test adds an axios request
//   interceptor (axios' supported extension point) that sends that one URL to the simulator.
//   Everything else (Basic auth, form body, the shape check of the token answer, caching) is
//   Rivet's own code.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import axios from 'axios';
import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MeetingsS2SAuthClient } from '@zoom/rivet/meetings';
import { UsersS2SAuthClient } from '@zoom/rivet/users';
import { portOf, startSim, type SimHarness } from './testing/sim-test-helpers.js';
import { ZoomSimulator } from './zoom-simulator.js';

const ZOOM_OAUTH = 'https://zoom.us/oauth/token';

async function startStandalone(): Promise<{ child: ChildProcess; baseUrl: string }> {
  const entry = fileURLToPath(new URL('./standalone.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', entry], {
    env: { ...process.env, ZOOM_SIMULATOR_PORT: '0', ZOOM_SIMULATOR_CONTROL: 'on' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`standalone did not start: ${out}`)), 15_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /zoom-simulator listening on (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`standalone exited (${code}): ${out}`)));
  });
  return { child, baseUrl };
}

describe(ZoomSimulator.name, () => {
  describe('driven by @zoom/rivet against the standalone process', () => {
    let child: ChildProcess;
    let baseUrl: string;
    let interceptor: number;

    beforeAll(async () => {
      ({ child, baseUrl } = await startStandalone());
      interceptor = axios.interceptors.request.use((config) => {
        if (config.url === ZOOM_OAUTH) config.url = `${baseUrl}/oauth/token`;
        return config;
      });
    });

    afterAll(async () => {
      axios.interceptors.request.eject(interceptor);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    });

    it('mints an S2S token and creates, gets, lists and deletes a meeting as the SDK expects', async () => {
      const options = {
        clientId: 'sim-client-id',
        clientSecret: 'sim-client-secret',
        accountId: 'sim-account-id',
        baseUrl: `${baseUrl}/v2`,
        disableReceiver: true as const,
      };
      const client = new MeetingsS2SAuthClient(options);
      const { meetings } = client.endpoints;

      const created = await meetings.createMeeting({
        path: { userId: 'me' },
        body: { topic: 'Rivet', type: 2, start_time: '2030-05-01T10:00:00Z', duration: 15 },
      });
      expect(created.statusCode).toBe(201);
      const id = created.data!.id!;
      expect(created.data).toMatchObject({
        topic: 'Rivet',
        type: 2,
        duration: 15,
        status: 'waiting',
      });

      const got = await meetings.getMeeting({ path: { meetingId: id } });
      expect([got.statusCode, got.data?.id, got.data?.join_url]).toEqual([
        200,
        id,
        created.data!.join_url,
      ]);

      const listed = await meetings.listMeetings({
        path: { userId: 'me' },
        query: { type: 'scheduled', page_size: 300 },
      });
      expect(listed.data?.meetings?.map((m) => m.id)).toContain(id);

      const deleted = await meetings.deleteMeeting({ path: { meetingId: id } });
      expect(deleted.statusCode).toBe(204);

      await expect(meetings.getMeeting({ path: { meetingId: id } })).rejects.toThrow(
        `[404/3001]: "Meeting does not exist: ${id}."`,
      );
      await expect(
        meetings.createMeeting({
          path: { userId: 'me' },
          body: { topic: 'x'.repeat(201), type: 2, start_time: 'not-a-time' },
        }),
      ).rejects.toThrow('[400/300]: "Validation Failed."');

      const stats: unknown = await fetch(`${baseUrl}/__simulator/stats`).then((r) => r.json());
      expect(stats).toMatchObject({
        tokensMinted: 1,
        apiCallsByRoute: { 'GET /v2/meetings/:meetingId': { '200': 1, '404': 1 } },
      });
    });

    it('reads users and uploads a profile picture as the SDK sends them', async () => {
      const client = new UsersS2SAuthClient({
        clientId: 'sim-client-id',
        clientSecret: 'sim-client-secret',
        accountId: 'sim-account-id',
        baseUrl: `${baseUrl}/v2`,
        disableReceiver: true as const,
      });
      const { users } = client.endpoints;
      const me = await users.getUser({ path: { userId: 'me' } });
      const first = await users.listUsers({ query: { page_size: 1 } });
      const second = await users.listUsers({
        query: { page_size: 1, next_page_token: first.data!.next_page_token! },
      });
      expect([me.statusCode, me.data?.email]).toEqual([200, 'sim-owner@example.com']);
      expect(second.data?.users?.[0]?.id).not.toBe(first.data?.users?.[0]?.id);

      const picture = join(mkdtempSync(join(tmpdir(), 'sim-rivet-')), 'me.jpg');
      writeFileSync(picture, Buffer.alloc(300_000, 7));
      const uploaded = await users.uploadUsersProfilePicture({
        path: { userId: 'me' },
        // Rivet types the file as a string but appends any value to its form data: a stream.
        // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- see above
        body: { pic_file: createReadStream(picture) as unknown as string },
      });
      expect(uploaded.statusCode).toBe(201);
      const control = await fetch(`${baseUrl}/__simulator/control`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'uploads' }),
      });
      await expect(control.json()).resolves.toEqual([
        expect.objectContaining({ field: 'pic_file', filename: 'me.jpg', bytes: 300_000 }),
      ]);
    });

    it('surfaces the token endpoint’s invalid_client to the SDK', async () => {
      const options = {
        clientId: 'sim-client-id',
        clientSecret: 'wrong',
        accountId: 'sim-account-id',
        baseUrl: `${baseUrl}/v2`,
        disableReceiver: true as const,
      };
      const client = new MeetingsS2SAuthClient(options);
      await expect(
        client.endpoints.meetings.getMeeting({ path: { meetingId: 1 } }),
      ).rejects.toThrow(/400/);
    });
  });

  describe('webhooks received by @zoom/rivet’s own receiver', () => {
    let h: SimHarness;

    afterEach(async () => {
      await h.close();
    });

    it('passes Rivet’s url_validation and signature checks for meeting.created', async () => {
      h = await startSim({ rateLimits: false });
      const options = {
        clientId: 'sim-client-id',
        clientSecret: 'sim-client-secret',
        accountId: 'sim-account-id',
        webhooksSecretToken: 'rivet-webhook-secret',
        port: 0,
      };
      const client = new MeetingsS2SAuthClient(options);
      const received: Array<{ event: string; id: unknown }> = [];
      client.webEventConsumer!.event('meeting.created', ({ event, payload }) => {
        received.push({ event, id: payload.object.id });
      });
      const server = await client.start();
      try {
        const port = portOf(server);
        await h.sim.control.setWebhook({
          url: `http://127.0.0.1:${port}/zoom/events`,
          secretToken: 'rivet-webhook-secret',
          retryDelaysMs: [],
        });
        const token = await h.token();
        const created = await h.api(token, 'POST', '/users/me/meetings', { topic: 'To Rivet' });
        await vi.waitFor(() =>
          expect(received).toEqual([{ event: 'meeting.created', id: created.body.id }]),
        );
        expect(h.sim.control.webhookDeliveries()).toEqual([
          { event: 'meeting.created', attempts: 1, delivered: true, lastStatus: 200 },
        ]);
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });
});
