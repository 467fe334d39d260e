import { type Attributes, type Span, SpanStatusCode, trace } from '@opentelemetry/api';

/**
 * The gateway's own spans. Without the SDK (traces off) this is the API's no-op tracer: a span
 * costs an object allocation and nothing is recorded.
 */
const tracer = trace.getTracer('zoom-gateway');

/**
 * Runs `work` inside a span named `name` (the current span for everything it calls), ending it
 * when `work` settles; a rejection marks the span as an error and is passed on unchanged.
 * Attribute values must never be secrets.
 */
export function withSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
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
