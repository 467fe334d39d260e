import { CENSOR, censorSecrets } from './secret-redaction.js';
import { capturedHttpLogger, servedOnce } from './testing/captured-logger.js';

describe('censorSecrets', () => {
  it('censors secret-named values at any depth and of any type, whatever the case of the name', () => {
    const line = JSON.stringify({
      zoom: { clientSecret: 's1', Access_Token: 's2', 'X-Zm-Signature': 'v0=s3' },
      app: { apiKey: 's6', refresh_token: 's7', webhookSecretToken: 's8', keyboard: 'kept' },
      list: [{ nested: { password: 's4' } }, 'plain'],
      token: { value: 's5', more: [1, '}]"'] },
      key: 12345,
      secret: null,
      keep: { id: 7, note: 'a "token": in a string stays' },
    });
    expect(JSON.parse(censorSecrets(line))).toEqual({
      zoom: { clientSecret: CENSOR, Access_Token: CENSOR, 'X-Zm-Signature': CENSOR },
      app: { apiKey: CENSOR, refresh_token: CENSOR, webhookSecretToken: CENSOR, keyboard: 'kept' },
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

describe('the app logger', () => {
  it('writes no secret a log call, an error or a child logger carries', () => {
    const { http, lines } = capturedHttpLogger();
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
    const { http, lines } = capturedHttpLogger();
    await servedOnce(http, '/v2/users/me?access_token=S5', { authorization: 'Bearer S6' });
    await vi.waitFor(() => expect(lines).toHaveLength(1));
    expect(lines[0]).toMatchObject({
      req: { method: 'GET', url: '/v2/users/me' },
      res: { statusCode: 200 },
    });
    expect(JSON.stringify(lines)).not.toMatch(/S5|S6/);
  });
});
