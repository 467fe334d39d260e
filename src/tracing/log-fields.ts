import { trace } from '@opentelemetry/api';

/**
 * pino's `mixin`: the current trace and span ids on every log line written inside a traced
 * request, so a line leads to its trace and a trace to its lines. Nothing when no span is current
 * (traces off, or a line outside any request).
 */
export function traceLogFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  // A span that is not sampled is never exported: its id would lead nowhere.
  if ((traceFlags & 1) === 0) return {};
  return { trace_id: traceId, span_id: spanId };
}
