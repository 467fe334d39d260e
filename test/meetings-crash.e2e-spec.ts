import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { z } from 'zod';
import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { GatewayFleet } from './support/fleet.js';
import { gatewayClient } from './support/gateway-client.js';
import { bodyOf, type GatewayProcess } from './support/gateway-process.js';

// A gateway killed (SIGKILL) between Zoom's answer to a create and the completion of its record
// leaves a `creating` record; reconciliation then resolves it from what Zoom has. The kill is
// timed by a proxy between the gateway and the simulator that holds chosen creates: one after
// Zoom made the meeting (its answer never reaches the gateway), one before Zoom saw it at all.

const APP_KEY = 'app-key-0123456789abcdef';
const OPS_KEY = 'ops-key-0123456789abcdef';

type Hold = 'after-zoom' | 'before-zoom';

/** Forwards to the simulator; a create whose topic names a hold is held forever at that point. */
class HoldingProxy {
  private server?: Server;
  private readonly waiters = new Map<string, () => void>();
  private readonly held = new Set<string>();
  private readonly parked: ServerResponse[] = [];

  constructor(private readonly upstream: string) {}

  async listen(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((done) => this.server!.listen(0, '127.0.0.1', done));
    const address = this.server.address();
    if (typeof address !== 'object' || address === null) throw new Error('proxy is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  /** Resolves once a create with this topic is being held. */
  heldFor(topic: string): Promise<void> {
    if (this.held.has(topic)) return Promise.resolve();
    return new Promise((done) => this.waiters.set(topic, done));
  }

  async close(): Promise<void> {
    for (const res of this.parked) res.destroy();
    await new Promise<void>((done) => {
      this.server?.close(() => done());
      this.server?.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await new Promise<Buffer>((done) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => done(Buffer.concat(chunks)));
    });
    const hold = this.holdFor(req, body);
    if (hold?.kind === 'before-zoom') return this.park(hold.topic, res);
    const upstream = await this.forward(req, body);
    if (hold?.kind === 'after-zoom') return this.park(hold.topic, res);
    res.writeHead(upstream.status, upstream.headers);
    res.end(upstream.body);
  }

  private holdFor(req: IncomingMessage, body: Buffer): { kind: Hold; topic: string } | undefined {
    if (req.method !== 'POST' || !(req.url ?? '').endsWith('/meetings')) return undefined;
    const parsed = z
      .looseObject({ topic: z.string() })
      .safeParse(JSON.parse(body.toString('utf8') || '{}'));
    const topic = parsed.success ? parsed.data.topic : '';
    const kind = (['after-zoom', 'before-zoom'] as const).find((k) => topic.startsWith(k));
    return kind ? { kind, topic } : undefined;
  }

  private park(topic: string, res: ServerResponse): void {
    this.parked.push(res);
    this.held.add(topic);
    this.waiters.get(topic)?.();
  }

  private forward(
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const target = new URL(req.url ?? '/', this.upstream);
    return new Promise((done, fail) => {
      const out = httpRequest(
        target,
        { method: req.method, headers: { ...req.headers, host: target.host } },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(answer.headers))
              if (typeof v === 'string') headers[k] = v;
            done({ status: answer.statusCode ?? 502, headers, body: Buffer.concat(parts) });
          });
        },
      );
      out.on('error', fail);
      out.end(body);
    });
  }
}

/** How a request ended, without leaving a rejected promise unhandled while the test waits. */
const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'answered',
    () => 'cut off',
  );

const call = gatewayClient({ key: APP_KEY });
const reconcile = (gateway: GatewayProcess, key?: string) =>
  call(gateway, 'POST', '/api/admin/meetings/reconcile?olderThanSeconds=0', { key });

/** The records these tests read. */
const RecordPage = z.looseObject({
  meetings: z.array(z.looseObject({ topic: z.string(), meetingId: z.unknown() })),
});

describe('MeetingsService.reconcileCreating (gateway killed mid-create)', () => {
  const simulator = new ZoomSimulator({ plan: 'pro' });
  let proxy: HoldingProxy;
  let fleet: GatewayFleet;

  beforeAll(async () => {
    await simulator.listen(0);
    proxy = new HoldingProxy(simulator.baseUrl);
    const proxyUrl = await proxy.listen();
    fleet = await GatewayFleet.open({
      simulator,
      apiKeys: { app: APP_KEY },
      adminKeys: { ops: OPS_KEY },
      logLevel: 'warn',
      extra: { ZOOM_API_BASE_URL: `${proxyUrl}/v2` },
    });
  });

  afterAll(async () => {
    await fleet?.close();
    await proxy?.close();
  });

  it('leaves creating records after a SIGKILL and resolves them to active (in Zoom) and failed (not in Zoom)', async () => {
    const [first] = await fleet.start(1);
    const t0 = Date.now();
    const inZoom = outcome(
      call(first, 'POST', '/v2/users/me/meetings', {
        body: {
          topic: 'after-zoom crash',
          type: 2,
          start_time: '2032-01-02T03:04:00Z',
          duration: 30,
        },
      }),
    );
    await proxy.heldFor('after-zoom crash');
    const notInZoom = outcome(
      call(first, 'POST', '/v2/users/me/meetings', {
        body: { topic: 'before-zoom crash', duration: 20 },
      }),
    );
    await proxy.heldFor('before-zoom crash');
    expect(simulator.control.stats().meetings).toBe(1);
    await first.kill('SIGKILL');
    const killedAt = Date.now();
    await expect(Promise.all([inZoom, notInZoom])).resolves.toEqual(['cut off', 'cut off']);
    console.log(`killed after ${Date.now() - t0} ms`);

    const [gateway] = await fleet.start(1);
    console.log(`restarted after ${Date.now() - t0} ms`);
    const left = await call(gateway, 'GET', '/api/meetings?status=creating');
    expect(
      bodyOf(RecordPage, left.json)
        .meetings.map((m) => m.topic)
        .sort(),
    ).toEqual(['after-zoom crash', 'before-zoom crash']);

    const forbidden = await reconcile(gateway);
    expect(forbidden.status).toBe(403);
    // The killed replica's attempts count as running until their heartbeat is 10 s old.
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, killedAt + 10_500 - Date.now())),
    );
    const report = await reconcile(gateway, OPS_KEY);
    expect(report.json).toEqual({
      examined: 2,
      active: 1,
      failed: 1,
      pending: 0,
    });

    const records = await call(gateway, 'GET', '/api/meetings?limit=10');
    const byTopic = Object.fromEntries(
      bodyOf(RecordPage, records.json).meetings.map((m) => [m.topic, m]),
    );
    expect(byTopic['after-zoom crash']).toMatchObject({
      status: 'active',
      meetingId: expect.stringMatching(/^\d+$/),
    });
    expect(
      simulator.control.getMeeting(String(byTopic['after-zoom crash'].meetingId)),
    ).toMatchObject({ topic: 'after-zoom crash' });
    expect(byTopic['before-zoom crash']).toMatchObject({
      status: 'failed',
      meetingId: null,
    });

    console.log(`reconciled after ${Date.now() - t0} ms`);
    const again = await reconcile(gateway, OPS_KEY);
    expect(again.json).toEqual({
      examined: 0,
      active: 0,
      failed: 0,
      pending: 0,
    });
  });
});
