import { type Attributes, context, type Span, SpanStatusCode, trace } from '@opentelemetry/api';

/**
 * The gateway's own spans. Without the SDK (traces off) this is the API's no-op tracer: a span
 * costs an object allocation and nothing is recorded.
 */
const tracer = trace.getTracer('zoom-gateway');

/**
 * Runs `work` inside a span named `name` (the current span for everything it calls), ending it
 * when `work` settles; a rejection marks the span as an error and is passed on unchanged.
 * Attribute values must never be secrets. A span that records nothing (traces off, or sampled
 * out) is not made current and `work` runs as is: on the hot path (a warm token) the context
 * switch and the wrapping promise cost more than the work itself (bench, hot path).
 */
export function withSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const span = tracer.startSpan(name, { attributes });
  if (!span.isRecording()) {
    try {
      return work(span);
    } catch (error) {
      // As from an async span: a throw before the first await still arrives as a rejection.
      return Promise.reject(error);
    }
  }
  return context.with(trace.setSpan(context.active(), span), async () => {
    try {
      return await work(span);
    } catch (error) {
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
      if (error instanceof Error) span.recordException(error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Sets an attribute on the current span (one started by withSpan or an instrumentation), if any. */
export function setSpanAttribute(key: string, value: string | number | boolean): void {
  trace.getActiveSpan()?.setAttribute(key, value);
}
