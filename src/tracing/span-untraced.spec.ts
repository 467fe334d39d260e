import { trace } from '@opentelemetry/api';
import { setSpanAttribute, withSpan } from './span.js';

// Its own file: span.spec.ts registers a tracer provider, and the module's tracer keeps it once used.
describe(`${withSpan.name} with traces off`, () => {
  it('runs the work without making a span current, and ends in the same answer', async () => {
    let recording: boolean | undefined;
    const answer = await withSpan('zoom.token', { a: 1 }, (span) => {
      recording = span.isRecording();
      setSpanAttribute('zoom.token.source', 'hot');
      return Promise.resolve(trace.getActiveSpan());
    });
    expect(recording).toBe(false);
    expect(answer).toBeUndefined();
  });

  it('turns a throw before the work returns its promise into a rejection', async () => {
    const failure = new Error('thrown at once');
    const work = (): Promise<never> => {
      throw failure;
    };
    await expect(withSpan('zoom.rate_limit.wait', {}, work)).rejects.toBe(failure);
  });
});
