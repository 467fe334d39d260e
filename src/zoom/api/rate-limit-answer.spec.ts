import { classifyRateLimit } from './rate-limit-answer.js';

const answer = (status: number, headers: Record<string, string>, data?: unknown) => ({
  status,
  headers,
  data,
});

// Zoom documents these headers (https://developers.zoom.us/docs/api/rate-limits/), but captured
// answers lack some of them, so every source is read.
describe(classifyRateLimit.name, () => {
  it('is not a rate limit unless the status or the body code says 429', () => {
    expect(classifyRateLimit(answer(404, {}, { code: 3001 }))).toBeUndefined();
    expect(classifyRateLimit(answer(400, {}, { code: 429, message: 'x' }))).toBe('per_second');
  });

  it('trusts X-RateLimit-Type when Zoom sends it', () => {
    expect(classifyRateLimit(answer(429, { 'x-ratelimit-type': 'Daily-limit' }))).toBe('daily');
    expect(classifyRateLimit(answer(429, { 'x-ratelimit-type': 'QPS' }))).toBe('per_second');
  });

  it('reads the daily limit from the message when the headers are missing', () => {
    const body = {
      code: 429,
      message:
        'You have exceeded the daily rate limit of (100) for Create meeting API requests for the user, jane@example.com.',
    };
    expect(classifyRateLimit(answer(429, {}, body))).toBe('daily');
  });

  it('reads the daily limit from a Retry-After given as a date', () => {
    expect(classifyRateLimit(answer(429, { 'retry-after': '2030-01-02T00:00:00Z' }))).toBe('daily');
  });

  it('takes a bare 429 for a per-second limit, the cheapest mistake', () => {
    expect(classifyRateLimit(answer(429, {}))).toBe('per_second');
    expect(classifyRateLimit(answer(429, { 'retry-after': '1' }, 'Too Many Requests'))).toBe(
      'per_second',
    );
  });
});
