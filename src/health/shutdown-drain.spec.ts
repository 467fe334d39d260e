import { HealthIndicatorService } from '@nestjs/terminus';
import { createServer, request, type Server } from 'node:http';
import { closeHttpServer, ShutdownDrain } from './shutdown-drain.js';

interface Answer {
  status: number;
  connection: string | undefined;
  body: string;
}

/** One GET over a fresh connection that asks to be kept alive. */
function get(server: Server, path = '/'): Promise<Answer> {
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('not listening on a TCP port');
  const { port } = address;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { connection: 'keep-alive' } });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe(ShutdownDrain.name, () => {
  let server: Server;
  let drain: ShutdownDrain;
  let release: (() => void) | undefined;

  beforeEach(async () => {
    server = createServer((req, res) => {
      // `/slow` answers when the test releases it: a call in flight across the drain's end.
      if (req.url === '/slow') release = () => res.end('slow');
      else res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    drain = new ShutdownDrain(new HealthIndicatorService());
    // What onApplicationBootstrap does with Nest's HTTP server.
    drain.watch(server);
  });

  afterEach(() => {
    release?.();
    release = undefined;
    if (server.listening) server.close();
    server.closeAllConnections();
  });

  it('keeps serving during the drain, every answer with Connection: close, and reports not ready', async () => {
    expect(drain.draining).toBe(false);
    expect((await get(server)).connection).toBe('keep-alive');

    const drained = drain.run(server, 200);
    expect(drain.draining).toBe(true);
    expect(drain.check('shutdown')).toMatchObject({
      shutdown: { status: 'down', message: expect.stringContaining('Draining') },
    });
    // New connections are still accepted and served.
    await expect(get(server)).resolves.toEqual({ status: 200, connection: 'close', body: 'ok' });
    expect(server.listening).toBe(true);
    await drained;
    expect(server.listening).toBe(true);
  });

  it('answers a call in flight when the drain began with Connection: close, after the listener has closed', async () => {
    const slow = get(server, '/slow');
    await vi.waitFor(() => expect(release).toBeDefined());
    await drain.run(server, 0);
    let closed = false;
    const closing = closeHttpServer(server).then(() => (closed = true));
    expect(server.listening).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false);
    release?.();
    await expect(slow).resolves.toEqual({ status: 200, connection: 'close', body: 'slow' });
    await closing;
  });

  it('ends early when told to', async () => {
    const started = Date.now();
    const drained = drain.run(server, 60_000);
    drain.end();
    await drained;
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
