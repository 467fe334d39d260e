import { createServer, request, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { pinoHttp } from 'pino-http';
import { z } from 'zod';
import { loadConfig } from '../config/app-config.js';
import { testEncryptionKey } from '../../test/support/services.js';
import { httpLoggerOptions } from './logging.module.js';
import { CENSOR, censorSecrets } from './secret-redaction.js';

/** The app's own pino-http options, writing into an array of parsed lines. */
function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const config = loadConfig({
    ENCRYPTION_KEY: testEncryptionKey(),
    API_KEYS: 'app:app-key-0123456789abcdef',
    LOG_LEVEL: 'info',
  });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(z.record(z.string(), z.unknown()).parse(JSON.parse(line)));
      done();
    },
  });
  return { http: pinoHttp(httpLoggerOptions(config), sink), lines };
}

describe('censorSecrets', () => {
  it('censors secret-named values at any depth and of any type, whatever the case of the name', () => {
    const line = JSON.stringify({
      zoom: { clientSecret: 's1', Access_Token: 's2', 'X-Zm-Signature': 'v0=s3' },
      list: [{ nested: { password: 's4' } }, 'plain'],
      token: { value: 's5', more: [1, '}]"'] },
      key: 12345,
      secret: null,
      keep: { id: 7, note: 'a "token": in a string stays' },
    });
    expect(JSON.parse(censorSecrets(line))).toEqual({
      zoom: { clientSecret: CENSOR, Access_Token: CENSOR, 'X-Zm-Signature': CENSOR },
      list: [{ nested: { password: CENSOR } }, 'plain'],
      token: CENSOR,
      key: CENSOR,
      secret: CENSOR,
      keep: { id: 7, note: 'a "token": in a string stays' },
    });
  });

  it('returns the very same line when it names no secret', () => {
    const line = `${JSON.stringify({ req: { id: 'x', url: '/v2/users/me' }, tokens: 3 })}\n`;
    expect(censorSecrets(line)).toBe(line);
  });
});

describe('httpLoggerOptions', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('writes no secret a log call, an error or a child logger carries', () => {
    const { http, lines } = capturedLogger();
    http.logger.info({ credentials: { clientSecret: 'S1' }, secret: 'S2', note: 'visible' }, 'a');
    http.logger.error({ err: Object.assign(new Error('boom'), { accessToken: 'S3' }) }, 'b');
    http.logger.child({ upstream: { authorization: 'Bearer S4' } }).warn('c');
    const text = JSON.stringify(lines);
    expect(text).not.toMatch(/S[1-4]/);
    expect(lines).toEqual([
      expect.objectContaining({ credentials: { clientSecret: CENSOR }, secret: CENSOR }),
      expect.objectContaining({
        err: expect.objectContaining({ message: 'boom', accessToken: CENSOR }),
      }),
      expect.objectContaining({ upstream: { authorization: CENSOR }, msg: 'c' }),
    ]);
  });

  it('logs a request by id, method, path and status, without its headers or query', async () => {
    const { http, lines } = capturedLogger();
    server = createServer((req, res) => {
      http(req, res);
      res.end('ok');
    });
    await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    await new Promise<void>((done, fail) => {
      request(
        { port, path: '/v2/users/me?access_token=S5', headers: { authorization: 'Bearer S6' } },
        (res) => res.resume().on('end', done),
      )
        .on('error', fail)
        .end();
    });
    await vi.waitFor(() => expect(lines).toHaveLength(1));
    expect(lines[0]).toMatchObject({
      req: { method: 'GET', url: '/v2/users/me' },
      res: { statusCode: 200 },
    });
    expect(JSON.stringify(lines)).not.toMatch(/S5|S6/);
  });
});
