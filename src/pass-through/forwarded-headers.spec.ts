import { forwardedRequestHeaders, relayedResponseHeaders } from './forwarded-headers.js';

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
