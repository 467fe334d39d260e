import type { Span } from '@opentelemetry/api';
import { traceLogFields } from './log-fields.js';
import { setSpanAttribute, withSpan } from './span.js';
import { type InMemoryTracing, registerInMemoryTracing } from './testing/in-memory-tracing.js';

describe(withSpan.name, () => {
  let traces: InMemoryTracing;

  beforeAll(() => {
    traces = registerInMemoryTracing();
  });

  afterAll(() => traces.stop());

  beforeEach(() => traces.exporter.reset());

  it('ends the span when the work settles, with its attributes and those set inside', async () => {
    const answer = await withSpan('zoom.token', { a: 1 }, async () => {
      await new Promise((done) => setTimeout(done, 1));
      setSpanAttribute('zoom.token.source', 'minted');
      return 'token';
    });
    expect(answer).toBe('token');
    const [span] = traces.exporter.getFinishedSpans();
    expect(span?.name).toBe('zoom.token');
    expect(span?.attributes).toEqual({ a: 1, 'zoom.token.source': 'minted' });
  });

  it('marks a failure and passes the same error on', async () => {
    const failure = new Error('Zoom is away');
    await expect(withSpan('zoom.rate_limit.wait', {}, () => Promise.reject(failure))).rejects.toBe(
      failure,
    );
    const [span] = traces.exporter.getFinishedSpans();
    expect(span?.status).toEqual({ code: 2, message: 'Zoom is away' });
    expect(span?.events.map((event) => event.name)).toEqual(['exception']);
  });

  it('gives log lines the ids of the current span, and none outside one', async () => {
    expect(traceLogFields()).toEqual({});
    let inside: Span | undefined;
    const fields = await withSpan('meetings.record', {}, (span) => {
      inside = span;
      return Promise.resolve(traceLogFields());
    });
    expect(fields).toEqual({
      trace_id: inside?.spanContext().traceId,
      span_id: inside?.spanContext().spanId,
    });
  });
});
