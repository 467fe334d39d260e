import { context, propagation, type Span, trace } from '@opentelemetry/api';
import { node, tracing } from '@opentelemetry/sdk-node';
import { traceLogFields } from './log-fields.js';
import { setSpanAttribute, withSpan } from './span.js';

describe(withSpan.name, () => {
  const exporter = new tracing.InMemorySpanExporter();

  beforeAll(() => {
    // What the SDK sets up: the tracer provider and the AsyncLocalStorage context manager.
    new node.NodeTracerProvider({
      spanProcessors: [new tracing.SimpleSpanProcessor(exporter)],
    }).register();
  });

  afterAll(() => {
    trace.disable();
    context.disable();
    propagation.disable();
  });

  beforeEach(() => exporter.reset());

  it('ends the span when the work settles, with its attributes and those set inside', async () => {
    const answer = await withSpan('zoom.token', { a: 1 }, async () => {
      await new Promise((done) => setTimeout(done, 1));
      setSpanAttribute('zoom.token.source', 'minted');
      return 'token';
    });
    expect(answer).toBe('token');
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('zoom.token');
    expect(span?.attributes).toEqual({ a: 1, 'zoom.token.source': 'minted' });
  });

  it('marks a failure and passes the same error on', async () => {
    const failure = new Error('Zoom is away');
    await expect(withSpan('zoom.rate_limit.wait', {}, () => Promise.reject(failure))).rejects.toBe(
      failure,
    );
    const [span] = exporter.getFinishedSpans();
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
