// The bare proxy's forwarding (issue 16, item 4), shared by bench/bare-proxy.ts (node:http alone)
// and bench/nest-proxy.ts (the same forwarding inside a minimal Nest application on Fastify): one
// cached bearer minted from the token endpoint, every `/v2/...` call forwarded as it came (method,
// path, query, body streamed) and Zoom's status, headers and body streamed back. No logging, no
// database, no governor, no 401 recovery. `send` is the same call with a body already read, for
// the bare proxy's variant that writes a create's record (bench/lib/meeting-records.ts).
import { timingSafeEqual } from 'node:crypto';
import type {
  IncomingHttpHeaders,
  IncomingMessage,
  OutgoingHttpHeaders,
  ServerResponse,
} from 'node:http';
import { Agent, type Dispatcher, request } from 'undici';
import { tokenRequest } from './token-request.js';

/** Request headers not forwarded: hop-by-hop, and the caller's own credentials and host. */
const DROPPED = new Set(['authorization', 'host', 'connection', 'keep-alive', 'transfer-encoding']);

function forwardedHeaders(
  incoming: IncomingHttpHeaders,
  accessToken: string,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = { authorization: `Bearer ${accessToken}` };
  for (const [name, value] of Object.entries(incoming)) {
    if (value !== undefined && !DROPPED.has(name)) out[name] = value;
  }
  return out;
}

/** Zoom's answer headers as relayed to the caller: all but the hop-by-hop ones. */
export function answerHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value !== undefined && name !== 'connection' && name !== 'keep-alive')
      headers[name] = value;
  }
  return headers;
}

export interface Forwarder {
  /** Mints the first bearer; call before serving. */
  start(): Promise<void>;
  /** The caller's `Authorization` header is `Bearer <PROXY_API_KEY>`. */
  authorized(header: string | undefined): boolean;
  /** Forwards one `/v2/...` request and streams Zoom's answer back. */
  forward(req: IncomingMessage, res: ServerResponse): void;
  /** The same call to Zoom with the caller's body already read; Zoom's answer to read. */
  send(req: IncomingMessage, body: Buffer | undefined): Promise<Dispatcher.ResponseData>;
  close(): Promise<void>;
}

export function createForwarder(env: NodeJS.ProcessEnv): Forwarder {
  const oauthBase = env.PROXY_OAUTH_BASE_URL ?? '';
  const apiBase = env.PROXY_API_BASE_URL ?? '';
  const expected = Buffer.from(`Bearer ${env.PROXY_API_KEY ?? ''}`);
  const credentials = {
    clientId: env.PROXY_CLIENT_ID ?? '',
    clientSecret: env.PROXY_CLIENT_SECRET ?? '',
    accountId: env.PROXY_ACCOUNT_ID ?? '',
  };
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 256 });
  let token: { value: string; refreshAt: number } | undefined;
  let minting: Promise<string> | undefined;

  async function mint(): Promise<string> {
    const response = await request(`${oauthBase}/oauth/token`, {
      ...tokenRequest(credentials),
      dispatcher: agent,
    });
    const body: unknown = await response.body.json();
    if (
      response.statusCode !== 200 ||
      typeof body !== 'object' ||
      body === null ||
      !('access_token' in body) ||
      typeof body.access_token !== 'string' ||
      !('expires_in' in body) ||
      typeof body.expires_in !== 'number'
    )
      throw new Error(`token endpoint answered ${response.statusCode}`);
    // Re-mint in the last tenth of its life; one mint at a time.
    token = { value: body.access_token, refreshAt: Date.now() + body.expires_in * 900 };
    return token.value;
  }

  function bearer(): string | Promise<string> {
    if (token && Date.now() < token.refreshAt) return token.value;
    minting ??= mint().finally(() => {
      minting = undefined;
    });
    return token?.value ?? minting;
  }

  function call(
    req: IncomingMessage,
    body: IncomingMessage | Buffer | undefined,
  ): Promise<Dispatcher.ResponseData> {
    return Promise.resolve(bearer()).then((accessToken) =>
      request(`${apiBase}${(req.url ?? '/').slice('/v2'.length)}`, {
        method: req.method ?? 'GET',
        headers: forwardedHeaders(req.headers, accessToken),
        body,
        dispatcher: agent,
      }),
    );
  }

  return {
    async start() {
      await mint();
    },
    authorized(header) {
      if (header === undefined) return false;
      const given = Buffer.from(header);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
    forward(req, res) {
      const method = req.method ?? 'GET';
      const hasBody = method !== 'GET' && method !== 'HEAD' && method !== 'DELETE';
      void call(req, hasBody ? req : undefined).then(
        (answer) => {
          res.writeHead(answer.statusCode, answerHeaders(answer.headers));
          answer.body.pipe(res);
        },
        (error: unknown) => {
          if (!hasBody) req.resume();
          res
            .writeHead(502, { 'content-type': 'application/json' })
            .end(JSON.stringify({ code: 'zoom_unreachable', message: String(error) }));
        },
      );
    },
    send: call,
    close: () => agent.close(),
  };
}
