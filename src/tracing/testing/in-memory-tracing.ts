// For specs of the gateway's own spans: what the SDK sets up (a tracer provider and the
// AsyncLocalStorage context manager), exporting into memory, and its undoing.
import { context, propagation, trace } from '@opentelemetry/api';
import { node, tracing } from '@opentelemetry/sdk-node';

export interface InMemoryTracing {
  exporter: tracing.InMemorySpanExporter;
  /** Unregisters the provider, the context manager and the propagator. */
  stop(): void;
}

export function registerInMemoryTracing(sampler?: tracing.Sampler): InMemoryTracing {
  const exporter = new tracing.InMemorySpanExporter();
  new node.NodeTracerProvider({
    sampler,
    spanProcessors: [new tracing.SimpleSpanProcessor(exporter)],
  }).register();
  return {
    exporter,
    stop: () => {
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
