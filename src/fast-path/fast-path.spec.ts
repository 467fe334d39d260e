import express, { type Request, type Response } from 'express';
import { createServer, get, request as httpRequest, type Server } from 'node:http';
import { type FastPath, installFastPaths } from './fast-path.js';

const answer = (response: Response) =>
  response.status(200).type('application/json').send('{"meeting":"same answer"}');

/** Serves `/meetings/:id`'s GETs beside the router, answering as the route would. */
class FastMeetings implements FastPath {
  readonly route = '/v2/meetings/:id';
  readonly served: string[] = [];

  serve(request: Request, response: Response): void {
    this.served.push(`${request.originalUrl} id=${String(request.params.id)}`);
    answer(response);
  }
}

/** A GET of `path` exactly as given (a URL would drop its `#fragment`); resolves once answered. */
function rawGet(port: number, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path }, (response) =>
      response.resume().on('end', resolve),
    )
      .on('error', reject)
      .end();
  });
}

/** A response's headers but its date. */
const headersOf = (response: globalThis.Response) =>
  [...response.headers.entries()].filter(([name]) => name !== 'date');

describe(installFastPaths.name, () => {
  let server: Server;
  let base: string;
  let port: number;
  const fast = new FastMeetings();
  const routed: string[] = [];

  beforeAll(async () => {
    const app = express();
    app.disable('x-powered-by');
    // Nest registers its middleware as a catch-all route: it must not hide the routes after it.
    app.all('/{*path}', (_req, _res, next) => next());
    app.all('/v2/meetings/:id', (req, res) => {
      routed.push(`${req.method} ${req.originalUrl}`);
      answer(res);
    });
    app.get('/v2/other', (req, res) => {
      routed.push(`${req.method} ${req.originalUrl}`);
      answer(res);
    });
    server = createServer(app);
    installFastPaths(server, app, [fast]);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening on TCP');
    port = address.port;
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it("serves the GETs Express would route to the path's route, with Express's decoded params, and leaves every other request, and every target without one reading, to Express", async () => {
    await fetch(`${base}/v2/meetings/1?x=1`);
    await fetch(`${base}/v2/MEETINGS/%32/`);
    await rawGet(port, '/v2/meetings/6#/fragment');
    await fetch(`${base}/v2/meetings/3`, { method: 'DELETE' });
    // A GET with a body (fetch() will not send one).
    await new Promise((resolve, reject) => {
      httpRequest(
        `${base}/v2/meetings/4`,
        { method: 'GET', headers: { 'Content-Length': '2' } },
        (r) => r.resume().on('end', resolve),
      )
        .on('error', reject)
        .end('{}');
    });
    await fetch(`${base}/v2/other`);
    // A parameter that does not decode: Express's router answers it, as it always did.
    expect((await fetch(`${base}/v2/meetings/%E0%A4%A`)).status).toBe(400);
    expect(fast.served).toEqual([
      '/v2/meetings/1?x=1 id=1',
      '/v2/MEETINGS/%32/ id=2',
    ]);
    // A target with no single reading (`#`) is Express's, whose first middleware refuses it.
    expect(routed).toEqual([
      'GET /v2/meetings/6#/fragment',
      'DELETE /v2/meetings/3',
      'GET /v2/meetings/4',
      'GET /v2/other',
    ]);
  });

  it('sends an answer as Express sends it: same headers, ETag and 304', async () => {
    const viaFastPath = await fetch(`${base}/v2/meetings/5`);
    const viaExpress = await fetch(`${base}/v2/other`);
    expect(headersOf(viaFastPath)).toEqual(headersOf(viaExpress));
    expect(await viaFastPath.text()).toBe(await viaExpress.text());

    const etag = viaFastPath.headers.get('etag') ?? '';
    expect(etag).toMatch(/^W\/"/);
    // node:http, as fetch() would add Cache-Control: no-cache to a conditional request.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      get(`${base}/v2/meetings/5`, { headers: { 'If-None-Match': etag } }, (response) => {
        response.resume();
        resolve(response.statusCode);
      }).on('error', reject);
    });
    expect(status).toBe(304);
  });
});
