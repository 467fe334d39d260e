// Test helpers for the simulator's specs: plain HTTP calls, a manual clock, a webhook receiver.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { ZoomSimulator, type ZoomSimulatorOptions } from '../zoom-simulator.js';

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test convenience
  body: any;
}

export async function http(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpResult> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The port a listening server is bound to. */
export function portOf(server: Server): number {
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('server is not listening');
  return address.port;
}

export class ManualClock {
  constructor(public now: number = Date.UTC(2026, 0, 15, 12, 0, 0)) {}
  readonly fn = () => this.now;
  advance(ms: number): void {
    this.now += ms;
  }
}

export interface SimHarness {
  sim: ZoomSimulator;
  base: string;
  mint(opts?: {
    clientId?: string;
    secret?: string;
    accountId?: string;
    grantType?: string;
    inQuery?: boolean;
  }): Promise<HttpResult>;
  token(secret?: string): Promise<string>;
  api(
    token: string,
    method: string,
    path: string,
    body?: unknown,
    rawBody?: string,
  ): Promise<HttpResult>;
  close(): Promise<void>;
}

export async function startSim(options: ZoomSimulatorOptions = {}): Promise<SimHarness> {
  const sim = new ZoomSimulator(options);
  const base = await sim.listen(0);
  const accountId = options.accountId ?? 'sim-account-id';
  const clientId = options.clientId ?? 'sim-client-id';
  const defaultSecret = options.clientSecret ?? 'sim-client-secret';
  const harness: SimHarness = {
    sim,
    base,
    mint: (o = {}) => {
      const params = new URLSearchParams();
      if (o.grantType !== '') params.set('grant_type', o.grantType ?? 'account_credentials');
      if (o.accountId !== '') params.set('account_id', o.accountId ?? accountId);
      const basic = Buffer.from(`${o.clientId ?? clientId}:${o.secret ?? defaultSecret}`).toString(
        'base64',
      );
      return o.inQuery
        ? http(`${base}/oauth/token?${params.toString()}`, {
            method: 'POST',
            headers: { authorization: `Basic ${basic}` },
          })
        : http(`${base}/oauth/token`, {
            method: 'POST',
            headers: {
              authorization: `Basic ${basic}`,
              'content-type': 'application/x-www-form-urlencoded',
            },
            body: params.toString(),
          });
    },
    token: async (secret) => {
      const res = await harness.mint(secret ? { secret } : {});
      if (res.status !== 200) throw new Error(`mint failed: ${res.status} ${res.text}`);
      const accessToken: string = res.body.access_token;
      return accessToken;
    },
    api: (token, method, path, body, rawBody) =>
      http(`${base}/v2${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined || rawBody !== undefined
            ? { 'content-type': 'application/json' }
            : {}),
        },
        body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
      }),
    close: () => sim.close(),
  };
  return harness;
}

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  rawBody: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test convenience
  json: any;
  verified: boolean;
}

/**
 * Verifies a webhook request as Zoom's docs tell a receiver to
 * (developers.zoom.us/docs/api/webhooks/#verify-webhook-events): message
 * `v0:{x-zm-request-timestamp}:{raw body}`, HMAC-SHA256 with the secret token, hex, prefixed
 * with `v0=`, compared with `x-zm-signature`.
 */
export function verifyZoomWebhook(
  secretToken: string,
  headers: IncomingHttpHeaders,
  rawBody: string,
): boolean {
  const timestamp = headers['x-zm-request-timestamp'];
  const signature = headers['x-zm-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  const hash = createHmac('sha256', secretToken).update(`v0:${timestamp}:${rawBody}`).digest('hex');
  const expected = Buffer.from(`v0=${hash}`);
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  events(name?: string): ReceivedRequest[];
  /** How to answer event deliveries (not url_validation): status and optional delay. */
  respond(next: { status?: number; delayMs?: number; sequence?: number[] }): void;
  /** Answer url_validation wrongly (bad hash) when false. */
  answerValidationCorrectly: boolean;
  close(): Promise<void>;
}

/** A real local HTTP receiver that behaves like a Zoom webhook endpoint written from the docs. */
export async function startWebhookReceiver(secretToken: string): Promise<WebhookReceiver> {
  let status = 200;
  let delayMs = 0;
  let sequence: number[] = [];
  const requests: ReceivedRequest[] = [];
  const receiver: WebhookReceiver = {
    url: '',
    requests,
    events: (name) =>
      requests.filter(
        (r) => r.json?.event !== 'endpoint.url_validation' && (!name || r.json?.event === name),
      ),
    respond: (next) => {
      status = next.status ?? status;
      delayMs = next.delayMs ?? delayMs;
      sequence = next.sequence ? [...next.sequence] : sequence;
    },
    answerValidationCorrectly: true,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(rawBody);
      } catch {
        json = undefined;
      }
      const verified = verifyZoomWebhook(secretToken, req.headers, rawBody);
      requests.push({ headers: req.headers, rawBody, json, verified });
      const event = isRecord(json) ? json.event : undefined;
      if (event === 'endpoint.url_validation') {
        const payload = isRecord(json) && isRecord(json.payload) ? json.payload : {};
        const plainToken = String(payload.plainToken);
        const encryptedToken = createHmac(
          'sha256',
          receiver.answerValidationCorrectly ? secretToken : 'wrong-secret',
        )
          .update(plainToken)
          .digest('hex');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ plainToken, encryptedToken }));
        return;
      }
      const answer = sequence.length > 0 ? sequence.shift()! : status;
      const reply = () => {
        if (res.destroyed) return;
        res.writeHead(verified ? answer : 401);
        res.end();
      };
      if (delayMs > 0) setTimeout(reply, delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  receiver.url = `http://127.0.0.1:${portOf(server)}/webhooks/zoom`;
  return receiver;
}
