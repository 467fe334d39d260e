import { createRequire } from 'node:module';
import { PinoLogger } from 'nestjs-pino';
import { HttpLogger, LoggingModule, prettyTransport } from './logging.module.js';
import { capturedHttpLogger, servedOnce } from './testing/captured-logger.js';

describe(LoggingModule.name, () => {
  it('writes JSON when stdout is not a terminal, without loading pino-pretty', () => {
    expect(prettyTransport({ isTTY: false })).toBeUndefined();
    expect(prettyTransport({})).toBeUndefined();
  });

  it('writes readable lines through pino-pretty at a terminal', () => {
    const transport = prettyTransport({ isTTY: true });
    expect(transport?.target).toBe('pino-pretty');
    expect(createRequire(import.meta.url).resolve(transport!.target)).toContain('pino-pretty');
  });
});

describe(HttpLogger.name, () => {
  it("logs one line per answered request under the caller's request id, and echoes the id", async () => {
    const { http, lines } = capturedHttpLogger();
    let echoed: unknown;
    await servedOnce(http, '/v2/users/me', { 'x-request-id': 'caller-id-1' }, (_req, res) => {
      res.end('ok');
      echoed = res.getHeader('x-request-id');
    });
    await vi.waitFor(() => expect(lines).toHaveLength(1));
    expect(echoed).toBe('caller-id-1');
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { id: 'caller-id-1', method: 'GET', url: '/v2/users/me' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
    });
  });

  it('gives a request without a sane id a new one', async () => {
    const { http, lines } = capturedHttpLogger();
    await servedOnce(http, '/v2/users/me', { 'x-request-id': 'has spaces and "quotes"' });
    await vi.waitFor(() => expect(lines).toHaveLength(1));
    expect(lines[0]?.req).toMatchObject({ id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });

  it('logs a 5xx answer as an error and a caller who left first as aborted', async () => {
    const { http, lines } = capturedHttpLogger();
    await servedOnce(http, '/v2/broken', {}, (_req, res) => {
      res.statusCode = 502;
      res.end();
    });
    await servedOnce(http, '/v2/slow', {}, (req) => req.socket.destroy());
    await vi.waitFor(() => expect(lines).toHaveLength(2));
    const byUrl = (url: string) => lines.find((line) => JSON.stringify(line.req).includes(url));
    expect(byUrl('/v2/broken')).toMatchObject({ level: 50, msg: 'request errored' });
    expect(byUrl('/v2/slow')).toMatchObject({ level: 30, msg: 'request aborted' });
  });

  it('does not log liveness probes or metric scrapes', async () => {
    const { http, lines } = capturedHttpLogger();
    await servedOnce(http, '/health/live');
    await servedOnce(http, '/metrics');
    await servedOnce(http, '/health/ready');
    await vi.waitFor(() => expect(lines).toHaveLength(1));
    expect(lines[0]?.req).toMatchObject({ url: '/health/ready' });
  });

  it("puts the request on a service's lines during it, with the fields a service assigned", async () => {
    const { http, lines } = capturedHttpLogger();
    const service = new PinoLogger({ pinoHttp: { logger: http.logger } });
    await servedOnce(http, '/v2/users/me', { 'x-request-id': 'req-2' }, (_req, res) => {
      service.assign({ app: 'billing' });
      service.warn('something to say');
      res.end();
    });
    http.logger.info('outside any request');
    await vi.waitFor(() => expect(lines).toHaveLength(3));
    expect(lines.find((line) => line.msg === 'something to say')).toMatchObject({
      level: 40,
      app: 'billing',
      req: { id: 'req-2', url: '/v2/users/me' },
    });
    expect(lines.find((line) => line.msg === 'outside any request')).not.toHaveProperty('req');
  });
});
