import * as crypto from 'node:crypto';
import { zoomWebhookSignature } from '@zoom-gateway/zoom-simulator';
import {
  constantTimeEqual,
  urlValidationToken,
  verifyZoomSignature,
  WEBHOOK_TIMESTAMP_TOLERANCE_MS,
  zoomSignature,
} from './zoom-webhook-signature.js';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const SECRET = 'whsec-test-0123456789abcdef';

/**
 * Written from Zoom's docs ("Verify webhook events"), independently of the code under test:
 * message = `v0:${request timestamp}:${request body}`, hashForVerify = HMAC SHA-256 of it with
 * the secret token, hex; signature = `v0=${hashForVerify}`. URL validation: encryptedToken is the
 * HMAC SHA-256 of plainToken with the secret token, hex.
 */
function docsSignature(secret: string, timestamp: string, body: string): string {
  const message = `v0:${timestamp}:${body}`;
  return `v0=${crypto.createHmac('sha256', secret).update(message).digest('hex')}`;
}

const NOW = Date.UTC(2025, 10, 28, 12, 0, 0);
const seconds = (ms: number) => String(Math.floor(ms / 1000));

function signed(body: string, timestamp = seconds(NOW), secret = SECRET) {
  return {
    signature: docsSignature(secret, timestamp, body),
    timestamp,
    rawBody: Buffer.from(body, 'utf8'),
  };
}

describe(zoomSignature.name, () => {
  it('matches a signer written from Zoom docs, byte for byte, also for non-ASCII bodies', () => {
    const body =
      '{"event":"meeting.updated","payload":{"object":{"topic":"Café ☕ — 会议"}},"event_ts":1}';
    expect(zoomSignature(SECRET, '1764331200', Buffer.from(body))).toBe(
      docsSignature(SECRET, '1764331200', body),
    );
  });

  it('matches what the Zoom simulator signs its deliveries with', () => {
    const body = '{"event":"meeting.deleted","payload":{},"event_ts":2}';
    expect(zoomSignature(SECRET, '1764331200', body)).toBe(
      zoomWebhookSignature(SECRET, '1764331200', body),
    );
  });
});

describe(urlValidationToken.name, () => {
  it('is the hex HMAC-SHA256 of the plain token under the secret, as Zoom docs define it', () => {
    const plainToken = 'qgg8vlvZRS6UYooatFL8Aw';
    const expected = crypto.createHmac('sha256', SECRET).update(plainToken).digest('hex');
    expect(urlValidationToken(SECRET, plainToken)).toBe(expected);
  });
});

describe(verifyZoomSignature.name, () => {
  const body =
    '{"event":"meeting.deleted","payload":{"object":{"id":85746065432}},"event_ts":1764331200000}';

  it('accepts a request signed as Zoom docs describe', () => {
    expect(verifyZoomSignature(SECRET, signed(body), NOW)).toEqual({
      ok: true,
    });
  });

  it('accepts a timestamp up to five minutes old or ahead', () => {
    const old = signed(body, seconds(NOW - WEBHOOK_TIMESTAMP_TOLERANCE_MS));
    const ahead = signed(body, seconds(NOW + WEBHOOK_TIMESTAMP_TOLERANCE_MS));
    expect(verifyZoomSignature(SECRET, old, NOW).ok).toBe(true);
    expect(verifyZoomSignature(SECRET, ahead, NOW).ok).toBe(true);
  });

  it('refuses a correctly signed request whose timestamp is more than five minutes old or ahead', () => {
    const stale = signed(body, seconds(NOW - WEBHOOK_TIMESTAMP_TOLERANCE_MS - 1000));
    const future = signed(body, seconds(NOW + WEBHOOK_TIMESTAMP_TOLERANCE_MS + 1000));
    expect(verifyZoomSignature(SECRET, stale, NOW)).toEqual({
      ok: false,
      reason: 'stale_timestamp',
    });
    expect(verifyZoomSignature(SECRET, future, NOW)).toEqual({
      ok: false,
      reason: 'stale_timestamp',
    });
  });

  it('refuses a signature made with another secret', () => {
    expect(verifyZoomSignature(SECRET, signed(body, seconds(NOW), 'other-secret'), NOW)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('refuses a body changed by one byte, and a re-serialised body', () => {
    const request = signed(body);
    const tampered = {
      ...request,
      rawBody: Buffer.from(body.replace('85746065432', '85746065433')),
    };
    const reserialised = {
      ...request,
      rawBody: Buffer.from(JSON.stringify(JSON.parse(body), null, 1)),
    };
    expect(verifyZoomSignature(SECRET, tampered, NOW).ok).toBe(false);
    expect(verifyZoomSignature(SECRET, reserialised, NOW).ok).toBe(false);
  });

  it('refuses a timestamp changed after signing (the timestamp is part of the signed message)', () => {
    const request = { ...signed(body), timestamp: seconds(NOW + 1000) };
    expect(verifyZoomSignature(SECRET, request, NOW)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it.each([
    ['missing signature', { signature: undefined }, 'missing_signature'],
    ['empty signature', { signature: '' }, 'missing_signature'],
    ['signature header sent twice', { signature: ['v0=a', 'v0=b'] }, 'missing_signature'],
    ['missing timestamp', { timestamp: undefined }, 'missing_timestamp'],
    ['non-numeric timestamp', { timestamp: '12e9' }, 'bad_timestamp'],
    [
      'signature without the v0= prefix',
      { signature: docsSignature(SECRET, seconds(NOW), body).slice(3) },
      'mismatch',
    ],
    [
      'truncated signature',
      { signature: docsSignature(SECRET, seconds(NOW), body).slice(0, -1) },
      'mismatch',
    ],
  ] as const)('refuses a request with a %s', (_name, change, reason) => {
    const request = { ...signed(body), ...change };
    expect(verifyZoomSignature(SECRET, request, NOW)).toEqual({
      ok: false,
      reason,
    });
  });

  it('compares signatures with crypto.timingSafeEqual, also when the lengths differ', () => {
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    verifyZoomSignature(SECRET, { ...signed(body), signature: `v0=${'0'.repeat(64)}` }, NOW);
    expect(spy.mock.calls.length).toBe(1);
    verifyZoomSignature(SECRET, { ...signed(body), signature: 'v0=short' }, NOW);
    expect(spy.mock.calls.length).toBe(2);
  });
});

describe(constantTimeEqual.name, () => {
  it('tells equal strings from different ones of equal and of different length', () => {
    expect([
      constantTimeEqual('abc', 'abc'),
      constantTimeEqual('abc', 'abd'),
      constantTimeEqual('abc', 'abcd'),
    ]).toEqual([true, false, false]);
  });
});
