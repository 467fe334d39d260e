import express, { type Request, type Response } from 'express';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import { type FastPath, installFastPaths } from './fast-path.js';

/** A fast path for `/fast`, answering through Express's own response methods. */
class FastAnswer implements FastPath {
  readonly served: string[] = [];

  matches(req: IncomingMessage): boolean {
    return req.url === '/fast';
  }

  serve(request: Request, response: Response): void {
    this.served.push(request.originalUrl);
    response.status(200).type('application/json').send('{"by":"fast path"}');
  }
}

/** A response's headers but its date. */
const headersOf = (response: globalThis.Response) =>
  [...response.headers.entries()].filter(([name]) => name !== 'date');

describe(installFastPaths.name, () => {
  let server: Server;
  let base: string;
  const fastAnswer = new FastAnswer();
  const routed: string[] = [];

  beforeAll(async () => {
    const app = express();
    app.disable('x-powered-by');
    app.use((req, res) => {
      routed.push(req.originalUrl);
      res.status(200).type('application/json').send('{"by":"fast path"}');
    });
    server = createServer(app);
    installFastPaths(server, app, [fastAnswer]);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening on TCP');
    base = `http://127.0.0.1:${address.port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('serves a request its path matches without Express, and leaves every other request to Express', async () => {
    await fetch(`${base}/fast`);
    await fetch(`${base}/fast/`);
    await fetch(`${base}/other?fast`);
    expect(fastAnswer.served).toEqual(['/fast']);
    expect(routed).toEqual(['/fast/', '/other?fast']);
  });

  it("sends the fast path's answer as Express sends its own: same headers, ETag and 304", async () => {
    const fast = await fetch(`${base}/fast`);
    const viaExpress = await fetch(`${base}/fast/`);
    expect(headersOf(fast)).toEqual(headersOf(viaExpress));
    expect(await fast.text()).toBe(await viaExpress.text());

    const etag = fast.headers.get('etag') ?? '';
    expect(etag).toMatch(/^W\/"/);
    // node:http, as fetch() would add Cache-Control: no-cache to a conditional request.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      get(`${base}/fast`, { headers: { 'If-None-Match': etag } }, (response) => {
        response.resume();
        resolve(response.statusCode);
      }).on('error', reject);
    });
    expect(status).toBe(304);
  });
});
