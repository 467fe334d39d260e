/**
 * Imported first by main.ts (and usable as `node --import`): starts OpenTelemetry tracing before
 * Nest and the instrumented libraries load, when an OTLP endpoint is configured. Without one,
 * nothing of the SDK is loaded and the gateway's spans go to the API's no-op tracer.
 */
import { tracingEnabled } from './tracing-env.js';

if (tracingEnabled(process.env)) {
  const { startTracing } = await import('./sdk.js');
  startTracing(process.env);
}
