import * as crypto from 'node:crypto';
import { zoomWebhookSignature } from '../zoom-simulator/sim-webhooks.js';
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
  it('matches a signer written from Zoom docs, byte for byte, also for non-ASCII bodies', async () => {
    const body =
      '{"event":"meeting.updated","payload":{"object":{"topic":"Café ☕ — 会议"}},"event_ts":1}';
    await expect(
      Promise.resolve(zoomSignature(SECRET, '1764331200', Buffer.from(body))),
    ).resolves.toBe(docsSignature(SECRET, '1764331200', body));
  });

  it('matches what the Zoom simulator signs its deliveries with', async () => {
    const body = '{"event":"meeting.deleted","payload":{},"event_ts":2}';
    await expect(Promise.resolve(zoomSignature(SECRET, '1764331200', body))).resolves.toBe(
      zoomWebhookSignature(SECRET, '1764331200', body),
    );
  });
});

describe(urlValidationToken.name, () => {
  it('is the hex HMAC-SHA256 of the plain token under the secret, as Zoom docs define it', async () => {
    const plainToken = 'qgg8vlvZRS6UYooatFL8Aw';
    const expected = crypto.createHmac('sha256', SECRET).update(plainToken).digest('hex');
    await expect(Promise.resolve(urlValidationToken(SECRET, plainToken))).resolves.toBe(expected);
  });
});

describe(verifyZoomSignature.name, () => {
  const body =
    '{"event":"meeting.deleted","payload":{"object":{"id":85746065432}},"event_ts":1764331200000}';

  it('accepts a request signed as Zoom docs describe', async () => {
    await expect(Promise.resolve(verifyZoomSignature(SECRET, signed(body), NOW))).resolves.toEqual({
      ok: true,
    });
  });

  it('accepts a timestamp up to five minutes old or ahead', async () => {
    const old = signed(body, seconds(NOW - WEBHOOK_TIMESTAMP_TOLERANCE_MS));
    const ahead = signed(body, seconds(NOW + WEBHOOK_TIMESTAMP_TOLERANCE_MS));
    await expect(Promise.resolve(verifyZoomSignature(SECRET, old, NOW).ok)).resolves.toBe(true);
    await expect(Promise.resolve(verifyZoomSignature(SECRET, ahead, NOW).ok)).resolves.toBe(true);
  });

  it('refuses a correctly signed request whose timestamp is more than five minutes old or ahead', async () => {
    const stale = signed(body, seconds(NOW - WEBHOOK_TIMESTAMP_TOLERANCE_MS - 1000));
    const future = signed(body, seconds(NOW + WEBHOOK_TIMESTAMP_TOLERANCE_MS + 1000));
    await expect(Promise.resolve(verifyZoomSignature(SECRET, stale, NOW))).resolves.toEqual({
      ok: false,
      reason: 'stale_timestamp',
    });
    await expect(Promise.resolve(verifyZoomSignature(SECRET, future, NOW))).resolves.toEqual({
      ok: false,
      reason: 'stale_timestamp',
    });
  });

  it('refuses a signature made with another secret', async () => {
    await expect(
      Promise.resolve(verifyZoomSignature(SECRET, signed(body, seconds(NOW), 'other-secret'), NOW)),
    ).resolves.toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('refuses a body changed by one byte, and a re-serialised body', async () => {
    const request = signed(body);
    const tampered = {
      ...request,
      rawBody: Buffer.from(body.replace('85746065432', '85746065433')),
    };
    const reserialised = {
      ...request,
      rawBody: Buffer.from(JSON.stringify(JSON.parse(body), null, 1)),
    };
    await expect(Promise.resolve(verifyZoomSignature(SECRET, tampered, NOW).ok)).resolves.toBe(
      false,
    );
    await expect(Promise.resolve(verifyZoomSignature(SECRET, reserialised, NOW).ok)).resolves.toBe(
      false,
    );
  });

  it('refuses a timestamp changed after signing (the timestamp is part of the signed message)', async () => {
    const request = { ...signed(body), timestamp: seconds(NOW + 1000) };
    await expect(Promise.resolve(verifyZoomSignature(SECRET, request, NOW))).resolves.toEqual({
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
  ] as const)('refuses a request with a %s', async (_name, change, reason) => {
    const request = { ...signed(body), ...change };
    await expect(Promise.resolve(verifyZoomSignature(SECRET, request, NOW))).resolves.toEqual({
      ok: false,
      reason,
    });
  });

  it('compares signatures with crypto.timingSafeEqual, also when the lengths differ', async () => {
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    verifyZoomSignature(SECRET, { ...signed(body), signature: `v0=${'0'.repeat(64)}` }, NOW);
    await expect(Promise.resolve(spy.mock.calls.length)).resolves.toBe(1);
    verifyZoomSignature(SECRET, { ...signed(body), signature: 'v0=short' }, NOW);
    await expect(Promise.resolve(spy.mock.calls.length)).resolves.toBe(2);
  });
});

describe(constantTimeEqual.name, () => {
  it('tells equal strings from different ones of equal and of different length', async () => {
    await expect(
      Promise.resolve([
        constantTimeEqual('abc', 'abc'),
        constantTimeEqual('abc', 'abd'),
        constantTimeEqual('abc', 'abcd'),
      ]),
    ).resolves.toEqual([true, false, false]);
  });
});
