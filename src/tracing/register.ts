/**
 * Imported first by main.ts (and usable as `node --import`): starts OpenTelemetry tracing before
 * Nest and the instrumented libraries load, when an OTLP endpoint is configured. Without one,
 * nothing of the SDK is loaded and the gateway's spans go to the API's no-op tracer.
 */
import { tracingEnabled } from './tracing-env.js';

let sdk: { shutdown(): Promise<void> } | undefined;

if (tracingEnabled(process.env)) {
  const { startTracing } = await import('./sdk.js');
  sdk = startTracing(process.env);
}

/**
 * Exports the spans still batched and stops tracing (nothing when traces are off): for the
 * shutdown path, before process.exit, so a stopping replica's last requests are not lost.
 */
export function stopTracing(): Promise<void> {
  return sdk?.shutdown() ?? Promise.resolve();
}
