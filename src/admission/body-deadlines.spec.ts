import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/app-config.js';
import { type BodyDeadline, BodyDeadlines } from './body-deadlines.js';

let server: Server | undefined;
let deadlines: BodyDeadlines | undefined;

afterEach(async () => {
  deadlines?.onModuleDestroy();
  server?.closeAllConnections();
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
});

/** A server that watches each request's body; resolves the deadline that cut it off, if any. */
async function watched(idleMs: number, totalMs: number) {
  deadlines = new BodyDeadlines(
    loadConfig({
      REQUEST_BODY_IDLE_TIMEOUT_MS: String(idleMs),
      REQUEST_BODY_TIMEOUT_MS: String(totalMs),
    }),
  );
  const outcomes: Array<BodyDeadline | 'complete'> = [];
  const watch = deadlines;
  server = createServer((req: IncomingMessage, res) => {
    watch.watch(req, (deadline) => {
      outcomes.push(deadline);
      res.end();
      req.destroy();
    });
    req.resume();
    req.on('end', () => {
      outcomes.push('complete');
      res.end('ok');
    });
  });
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { outcomes, port };
}

function upload(port: number, length: number) {
  const req = request({
    port,
    method: 'POST',
    path: '/',
    headers: { 'content-length': String(length) },
  });
  req.on('error', () => undefined);
  req.on('response', (res) => res.resume());
  return req;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe('BodyDeadlines', () => {
  it('cuts off a body that stops arriving for longer than the idle deadline', async () => {
    const { outcomes, port } = await watched(200, 10_000);
    const req = upload(port, 100);
    req.write('x'.repeat(10));
    await sleep(600);
    expect(outcomes).toEqual(['idle']);
    expect(deadlines!.watching).toBe(0);
    req.destroy();
  });

  it('cuts off a trickle that never pauses long, once it passes the deadline for the whole body', async () => {
    const { outcomes, port } = await watched(300, 500);
    const req = upload(port, 1_000);
    for (let sent = 0; sent < 10 && outcomes.length === 0; sent += 1) {
      req.write('x');
      await sleep(100);
    }
    expect(outcomes).toEqual(['total']);
    req.destroy();
  });

  it('lets a body that arrives in time through, and forgets it', async () => {
    const { outcomes, port } = await watched(200, 1_000);
    const req = upload(port, 20);
    req.write('x'.repeat(10));
    await sleep(50);
    req.end('y'.repeat(10));
    await sleep(400);
    expect(outcomes).toEqual(['complete']);
    expect(deadlines!.watching).toBe(0);
  });
});
