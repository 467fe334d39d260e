import { context, propagation, trace } from '@opentelemetry/api';
import { node, tracing } from '@opentelemetry/sdk-node';
import { setSpanAttribute, withSpan } from './span.js';

// Its own file: a sampler that is not parent-based, which the module's tracer keeps once used.
describe(`${withSpan.name} under a sampler that is not parent-based`, () => {
  const exporter = new tracing.InMemorySpanExporter();

  beforeAll(() => {
    new node.NodeTracerProvider({
      // Records every span but the token's, whatever its parent.
      sampler: {
        shouldSample: (_context, _traceId, spanName) => ({
          decision:
            spanName === 'zoom.token'
              ? tracing.SamplingDecision.NOT_RECORD
              : tracing.SamplingDecision.RECORD_AND_SAMPLED,
        }),
        toString: () => 'all but zoom.token',
      },
      spanProcessors: [new tracing.SimpleSpanProcessor(exporter)],
    }).register();
  });

  afterAll(() => {
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it('keeps what a sampled-out span sets off the recording span around it', async () => {
    await withSpan('zoom.request', {}, () =>
      withSpan('zoom.token', {}, () => {
        setSpanAttribute('zoom.token.source', 'hot');
        return Promise.resolve();
      }),
    );
    const spans = exporter.getFinishedSpans();
    expect(spans.map((span) => span.name)).toEqual(['zoom.request']);
    expect(spans[0]?.attributes).toEqual({});
  });
});
