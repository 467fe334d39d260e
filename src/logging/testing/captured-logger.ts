import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { loadConfig } from '../../config/app-config.js';
import { testEncryptionKey } from '../../../test/support/services.js';
import { HttpLogger, requestIdOf } from '../logging.module.js';

/** The app's own HttpLogger (LOG_LEVEL=info unless told), writing into an array of parsed lines. */
export function capturedHttpLogger(level = 'info'): {
  http: HttpLogger;
  lines: Array<Record<string, unknown>>;
} {
  const lines: Array<Record<string, unknown>> = [];
  const config = loadConfig({
    ENCRYPTION_KEY: testEncryptionKey(),
    API_KEYS: 'app:app-key-0123456789abcdef',
    LOG_LEVEL: level,
  });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(z.record(z.string(), z.unknown()).parse(JSON.parse(line)));
      done();
    },
  });
  return { http: new HttpLogger(config, sink), lines };
}

/**
 * One request through a real node:http server whose handler runs inside the request's log, as the
 * HTTP pipeline runs it (`begin`, then `within`); `handle`
 * answers it (default: 200 "ok"). Resolves with the status once the answer ended or the
 * connection closed.
 */
export async function servedOnce(
  http: HttpLogger,
  path: string,
  headers: Record<string, string> = {},
  handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('ok'),
): Promise<number | undefined> {
  const server = createServer((req, res) =>
    http.within(http.begin(req, res, requestIdOf(req)), () => handle(req, res)),
  );
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  try {
    return await new Promise<number | undefined>((done) => {
      request({ port, path, headers }, (res) => res.resume().on('end', () => done(res.statusCode)))
        .on('error', () => done(undefined))
        .end();
    });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }
}
