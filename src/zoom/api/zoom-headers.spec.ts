import { forwardedRequestHeaders, relayedResponseHeaders } from './zoom-headers.js';

describe(forwardedRequestHeaders.name, () => {
  it('never forwards the caller API key, cookies, hop-by-hop headers or the idempotency key', () => {
    expect(
      forwardedRequestHeaders({
        authorization: 'Bearer api-key',
        cookie: 'a=b',
        connection: 'keep-alive',
        'idempotency-key': 'k',
        'content-type': 'multipart/form-data; boundary=x',
        accept: 'application/json',
      }),
    ).toEqual({ 'content-type': 'multipart/form-data; boundary=x', accept: 'application/json' });
  });

  it('forwards only the headers on its allow-list: no method override, no rewritten URL', () => {
    expect(
      forwardedRequestHeaders({
        'x-http-method-override': 'DELETE',
        'x-http-method': 'DELETE',
        'x-method-override': 'DELETE',
        'x-original-url': '/v2/users',
        'x-rewrite-url': '/v2/users',
        'x-forwarded-for': '10.0.0.1',
        'x-forwarded-host': 'evil.example',
        forwarded: 'for=10.0.0.1',
        'x-zm-signature': 'v0=abc',
        'content-type': 'application/json',
        'user-agent': 'rivet/1',
      }),
    ).toEqual({ 'content-type': 'application/json', 'user-agent': 'rivet/1' });
  });

  it("drops the headers a caller's Connection header names, even allowed ones", () => {
    expect(
      forwardedRequestHeaders({
        connection: 'close, Accept, x-custom',
        accept: 'application/json',
        'x-custom': '1',
        'content-type': 'application/json',
      }),
    ).toEqual({ 'content-type': 'application/json' });
  });
});

describe(relayedResponseHeaders.name, () => {
  it('relays what callers rely on and drops Zoom cookies', () => {
    expect(
      relayedResponseHeaders({
        'content-type': 'audio/mpeg',
        'x-zm-trackingid': 't',
        'x-ratelimit-remaining': '9',
        'retry-after': '1',
        location: 'https://api.zoom.us/v2/x',
        'set-cookie': 'cred=1',
        'transfer-encoding': 'chunked',
        connection: 'x-internal',
        'x-internal': 'secret',
      }),
    ).toEqual({
      'content-type': 'audio/mpeg',
      'x-zm-trackingid': 't',
      'x-ratelimit-remaining': '9',
      'retry-after': '1',
      location: 'https://api.zoom.us/v2/x',
    });
  });
});
