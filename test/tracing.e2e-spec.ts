import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { SIM_DEFAULTS } from '@zoom-gateway/zoom-simulator';
import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { eventually, GatewayFleet } from './support/fleet.js';
import { gatewayClient, meetingIdOf } from './support/gateway-client.js';
import type { GatewayProcess } from './support/gateway-process.js';

// Traces end to end: one built gateway (PostgreSQL, Redis) exporting OTLP/HTTP JSON to a
// receiver in this test, in front of the simulator. A create's trace holds the request, the
// governor's wait, the token, the call to Zoom and the record write; its log lines carry the
// trace id; no span anywhere carries a credential.

const APP_KEY = 'tracing-app-key-0123456789abcdef';
/** Sent in a query string the pass-through relays to Zoom: must be redacted from every span. */
const QUERY_SECRET = 'query-secret-0123456789';

const AnyValue = z.looseObject({
  stringValue: z.string().optional(),
  boolValue: z.boolean().optional(),
  intValue: z.union([z.string(), z.number()]).optional(),
  doubleValue: z.number().optional(),
});
const ExportRequest = z.object({
  resourceSpans: z.array(
    z.looseObject({
      resource: z
        .looseObject({
          attributes: z.array(z.object({ key: z.string(), value: AnyValue })).optional(),
        })
        .optional(),
      scopeSpans: z.array(
        z.looseObject({
          scope: z.looseObject({ name: z.string() }).optional(),
          spans: z.array(
            z.looseObject({
              traceId: z.string(),
              spanId: z.string(),
              parentSpanId: z.string().optional(),
              name: z.string(),
              kind: z.number(),
              attributes: z
                .array(z.looseObject({ key: z.string(), value: z.unknown() }))
                .optional(),
            }),
          ),
        }),
      ),
    }),
  ),
});

interface ReceivedSpan {
  scope: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  /** Every attribute, its value as JSON (so nested and array values are searched too). */
  attributes: Record<string, string>;
  resource: Record<string, string>;
}

const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;

/** A scalar attribute's value as text (201, true, ...), or the JSON of an array or map. */
function valueText(value: unknown): string {
  const parsed = AnyValue.safeParse(value);
  if (!parsed.success) return JSON.stringify(value);
  const { stringValue, intValue, boolValue, doubleValue } = parsed.data;
  const scalar = stringValue ?? intValue ?? boolValue ?? doubleValue;
  return scalar === undefined ? JSON.stringify(value) : String(scalar);
}

/** An OTLP/HTTP receiver (JSON encoding) that keeps every span it is sent. */
class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly contentTypes = new Set<string>();
  private server: Server | undefined;

  async listen(): Promise<string> {
    this.server = createServer((req, res) => void this.receive(req, res));
    await new Promise<void>((done) => this.server?.listen(0, '127.0.0.1', done));
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('receiver is not on TCP');
    return `http://127.0.0.1:${address.port}`;
  }

  close(): Promise<void> {
    return new Promise((done) => (this.server ? this.server.close(() => done()) : done()));
  }

  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((span) => span.traceId === traceId);
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    await new Promise((done) => req.once('end', done));
    if (req.method !== 'POST' || req.url !== '/v1/traces') {
      res.writeHead(404).end();
      return;
    }
    this.contentTypes.add(req.headers['content-type'] ?? '');
    const body = ExportRequest.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    for (const resourceSpans of body.resourceSpans) {
      const resource = Object.fromEntries(
        (resourceSpans.resource?.attributes ?? []).map((a) => [a.key, valueText(a.value)]),
      );
      for (const scopeSpans of resourceSpans.scopeSpans)
        for (const span of scopeSpans.spans)
          this.spans.push({
            scope: scopeSpans.scope?.name ?? '',
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId || undefined,
            name: span.name,
            kind: span.kind,
            attributes: Object.fromEntries(
              (span.attributes ?? []).map((a) => [a.key, valueText(a.value)]),
            ),
            resource,
          });
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  }
}

const has = (spans: ReceivedSpan[], name: string) => spans.some((s) => s.name === name);

/** A call the gateway relayed to Zoom with the credential-like query parameter. */
const relayedAt = (s: ReceivedSpan) =>
  s.kind === SPAN_KIND_CLIENT && (s.attributes['url.full'] ?? '').includes('access_token');

/** The JSON log lines a gateway wrote, parsed (other lines are skipped). */
function logLines(gateway: GatewayProcess): Array<Record<string, unknown>> {
  const LogLine = z.record(z.string(), z.unknown());
  return gateway
    .output()
    .split('\n')
    .flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        const parsed = LogLine.safeParse(JSON.parse(line));
        return parsed.success ? [parsed.data] : [];
      } catch {
        return [];
      }
    });
}

const LoggedRequest = z.looseObject({
  trace_id: z.string(),
  span_id: z.string(),
  req: z.looseObject({ id: z.string() }),
});

/** The trace id the gateway logged for the request it was sent with this X-Request-Id. */
function loggedTraceId(gateway: GatewayProcess, requestId: string): string | undefined {
  for (const line of logLines(gateway)) {
    const parsed = LoggedRequest.safeParse(line);
    if (parsed.success && parsed.data.req.id === requestId) return parsed.data.trace_id;
  }
  return undefined;
}

describe('Traces (OTLP/HTTP JSON to an in-test receiver; one replica, PostgreSQL, Redis, simulator)', () => {
  const simulator = new ZoomSimulator({ plan: 'pro' });
  const receiver = new OtlpReceiver();
  const call = gatewayClient({ key: APP_KEY });
  let fleet: GatewayFleet;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    const endpoint = await receiver.listen();
    fleet = await GatewayFleet.open({
      simulator,
      apiKeys: { app: APP_KEY },
      extra: {
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=e2e',
      },
    });
    const [started] = await fleet.start(1);
    if (!started) throw new Error('the gateway did not start');
    gateway = started;
  });

  afterAll(async () => {
    await fleet?.close();
    await receiver.close();
  });

  it("shows one create as one trace: request, governor's wait, token, Zoom call, record write", async () => {
    const requestId = `trace-create-${randomUUID()}`;
    const created = await call(gateway, 'POST', '/v2/users/me/meetings', {
      headers: { 'X-Request-Id': requestId },
      body: { topic: 'Traced', type: 2, start_time: '2031-05-06T10:00:00Z', duration: 30 },
    });
    expect(created.status).toBe(201);

    // The request's log lines carry the trace id; the trace is the one the receiver gets.
    const logged = await eventually(
      () => Promise.resolve(loggedTraceId(gateway, requestId)),
      (id) => id !== undefined,
      5_000,
    );
    expect(logged).toMatch(/^[0-9a-f]{32}$/);
    const traceId = logged ?? '';
    const spans = await eventually(
      () => Promise.resolve(receiver.trace(traceId)),
      (trace) =>
        trace.some((s) => s.kind === SPAN_KIND_SERVER && s.parentSpanId === undefined) &&
        has(trace, 'zoom.rate_limit.wait') &&
        has(trace, 'zoom.token') &&
        trace.filter((s) => s.name === 'meetings.record').length === 2 &&
        trace.some((s) => s.kind === SPAN_KIND_CLIENT),
      10_000,
    );
    const names = spans.map((s) => `${s.scope}: ${s.name}`).sort();

    // The incoming request: the root, named by its route, answered 201.
    const roots = spans.filter((s) => s.parentSpanId === undefined);
    expect(roots.map((s) => s.name)).toEqual(['POST /v2/users/:userId/meetings']);
    const [server] = roots;
    expect(server?.kind).toBe(SPAN_KIND_SERVER);
    expect(server?.attributes).toMatchObject({
      'http.route': '/v2/users/:userId/meetings',
      'http.response.status_code': '201',
    });
    expect(server?.resource).toMatchObject({
      'service.name': 'zoom-gateway',
      'deployment.environment.name': 'e2e',
    });

    // Every span hangs off that request.
    const ids = new Set(spans.map((s) => s.spanId));
    for (const span of spans)
      if (span !== server) expect(ids.has(span.parentSpanId ?? ''), span.name).toBe(true);

    const wait = spans.find((s) => s.name === 'zoom.rate_limit.wait');
    expect(wait?.attributes).toMatchObject({
      'zoom.rate_limit.category': 'light',
      'zoom.app': expect.any(String),
    });
    const token = spans.find((s) => s.name === 'zoom.token');
    expect(['hot', 'waited', 'refreshed', 'minted']).toContain(
      token?.attributes['zoom.token.source'],
    );

    // The call to Zoom's create: an HTTP client span to the simulator's API.
    const zoomCall = spans.find(
      (s) =>
        s.kind === SPAN_KIND_CLIENT &&
        (s.attributes['url.full'] ?? '').startsWith(`${simulator.apiBaseUrl}/users/me/meetings`),
    );
    expect(zoomCall, names.join('\n')).toBeDefined();
    expect(zoomCall?.attributes['http.response.status_code']).toBe('201');

    // The record write: the gateway's span for it, and PostgreSQL's INSERT under it.
    const records = spans.filter((s) => s.name === 'meetings.record');
    expect(records.map((s) => s.attributes['meetings.record.status']).sort()).toEqual([
      'active',
      'creating',
    ]);
    const creating = records.find((s) => s.attributes['meetings.record.status'] === 'creating');
    const insert = spans.find(
      (s) =>
        s.parentSpanId === creating?.spanId &&
        (s.attributes['db.query.text'] ?? '').startsWith('INSERT INTO "meetings"'),
    );
    expect(insert, names.join('\n')).toBeDefined();
    expect([...receiver.contentTypes]).toEqual(['application/json']);
  });

  it('shows a meeting read as one trace named by its route, its log line carrying the trace id', async () => {
    const created = await call(gateway, 'POST', '/v2/users/me/meetings', {
      body: { topic: 'Traced read', type: 2, start_time: '2031-05-06T10:00:00Z', duration: 30 },
    });
    expect(created.status).toBe(201);
    const requestId = `trace-read-${randomUUID()}`;
    const read = await call(gateway, 'GET', `/v2/meetings/${meetingIdOf(created)}`, {
      headers: { 'X-Request-Id': requestId, 'Cache-Control': 'no-cache' },
    });
    expect(read.status).toBe(200);

    const logged = await eventually(
      () => Promise.resolve(loggedTraceId(gateway, requestId)),
      (id) => id !== undefined,
      5_000,
    );
    expect(logged).toMatch(/^[0-9a-f]{32}$/);
    const spans = await eventually(
      () => Promise.resolve(receiver.trace(logged ?? '')),
      (trace) =>
        trace.some((s) => s.kind === SPAN_KIND_SERVER) &&
        trace.some((s) => s.kind === SPAN_KIND_CLIENT),
      10_000,
    );
    const roots = spans.filter((s) => s.parentSpanId === undefined);
    expect(roots.map((s) => s.name)).toEqual(['GET /v2/meetings/:meetingId']);
    expect(roots[0]?.attributes).toMatchObject({
      'http.route': '/v2/meetings/:meetingId',
      'http.response.status_code': '200',
    });
    // The call to Zoom hangs off that request.
    const ids = new Set(spans.map((s) => s.spanId));
    const zoomCall = spans.find((s) => s.kind === SPAN_KIND_CLIENT);
    expect(ids.has(zoomCall?.parentSpanId ?? '')).toBe(true);
  });

  it('lets no credential into any span: API key, bearer, client secret, Basic credentials, query secrets', async () => {
    // Through the pass-through, with a credential-like query parameter relayed to Zoom.
    const listed = await call(
      gateway,
      'GET',
      `/v2/users/me/meetings?page_size=1&access_token=${QUERY_SECRET}`,
    );
    expect(listed.status).toBe(200);
    await eventually(
      () => Promise.resolve(receiver.spans.filter(relayedAt)),
      (relayed) => relayed.length > 0,
      10_000,
    );

    const basic = Buffer.from(`${SIM_DEFAULTS.clientId}:${SIM_DEFAULTS.clientSecret}`).toString(
      'base64',
    );
    const forbidden = [
      APP_KEY,
      QUERY_SECRET,
      SIM_DEFAULTS.clientSecret,
      basic,
      'Bearer ',
      'Basic ',
    ];
    // The simulator's tokens are JWT-shaped (three base64url parts): none may appear.
    const jwtShaped = /[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}/;
    expect(receiver.spans.length).toBeGreaterThan(5);
    for (const span of receiver.spans) {
      for (const [key, value] of Object.entries({ ...span.attributes, ...span.resource })) {
        expect(key, `${span.name}: ${key}`).not.toMatch(/authorization|cookie|api[-_]?key/i);
        for (const secret of forbidden)
          expect(value.includes(secret), `${span.name}: ${key}=${value}`).toBe(false);
        expect(value, `${span.name}: ${key}`).not.toMatch(jwtShaped);
      }
    }
    // Redacted, not dropped: the query still says which parameters were sent.
    expect(receiver.spans.filter(relayedAt).map((s) => s.attributes['url.full'])).toContain(
      `${simulator.apiBaseUrl}/users/me/meetings?page_size=1&access_token=REDACTED`,
    );
  });
});
