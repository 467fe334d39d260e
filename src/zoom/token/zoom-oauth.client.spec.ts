import { HttpService } from '@nestjs/axios';
import { create } from 'axios';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Clock } from '../../common/clock.js';
import { loadConfig } from '../../config/app-config.js';
import { TokenEndpointError, ZoomOAuthClient } from './zoom-oauth.client.js';

interface Seen {
  url: string;
  body: string;
  authorization?: string;
}

/** A stand-in token endpoint that records what it was sent and answers with `reply`. */
async function tokenEndpoint(reply: {
  status: number;
  body: object;
  headers?: Record<string, string>;
}): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', body, authorization: req.headers.authorization });
      res
        .writeHead(reply.status, { 'Content-Type': 'application/json', ...reply.headers })
        .end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, url: `http://127.0.0.1:${port}`, seen };
}

const credentials = {
  version: 1,
  accountId: 'acc-1',
  clientId: 'cid',
  clientSecret: 's3cret',
  fingerprint: 'f',
};

function client(baseUrl: string, env: Record<string, string> = {}): ZoomOAuthClient {
  return new ZoomOAuthClient(
    new HttpService(create()),
    loadConfig({ ZOOM_OAUTH_BASE_URL: baseUrl, ...env }),
    new Clock(),
  );
}

describe(ZoomOAuthClient.name, () => {
  it('sends the account_credentials grant as a form body and as query parameters, with Basic auth', async () => {
    const endpoint = await tokenEndpoint({
      status: 200,
      body: {
        access_token: 'a.b.c',
        token_type: 'bearer',
        expires_in: 3599,
        scope: 'meeting:read user:read',
      },
    });
    try {
      const minted = await client(endpoint.url).mint(credentials);
      expect(minted.scopes).toEqual(['meeting:read', 'user:read']);
      expect(minted.lifetimeMs).toBe(3_599_000);
      const [request] = endpoint.seen;
      expect(request?.body).toBe('grant_type=account_credentials&account_id=acc-1');
      expect(request?.url).toBe('/oauth/token?grant_type=account_credentials&account_id=acc-1');
      expect(request?.authorization).toBe(`Basic ${Buffer.from('cid:s3cret').toString('base64')}`);
    } finally {
      endpoint.server.close();
    }
  });

  it('names the client id, never the secret, when Zoom answers invalid_client', async () => {
    const endpoint = await tokenEndpoint({
      status: 400,
      body: { reason: 'Invalid client_id or client_secret', error: 'invalid_client' },
    });
    try {
      const failure = client(endpoint.url).mint(credentials);
      await expect(failure).rejects.toBeInstanceOf(TokenEndpointError);
      await expect(failure).rejects.toMatchObject({ kind: 'invalid_client', permanent: true });
      await expect(failure).rejects.toThrow(/cid/);
      await expect(failure).rejects.not.toThrow(/s3cret/);
    } finally {
      endpoint.server.close();
    }
  });

  it('honours a Retry-After no longer than ZOOM_RETRY_AFTER_CAP_SECONDS', async () => {
    const endpoint = await tokenEndpoint({
      status: 429,
      body: { reason: 'Too many requests' },
      headers: { 'Retry-After': '100000' },
    });
    try {
      const failure = client(endpoint.url, { ZOOM_RETRY_AFTER_CAP_SECONDS: '7' }).mint(credentials);
      await expect(failure).rejects.toMatchObject({
        kind: 'rate_limited',
        details: { retryAfterMs: 7_000 },
      });
    } finally {
      endpoint.server.close();
    }
  });
});
