/**
 * When traces are on, read from the standard OpenTelemetry variables only. This file imports
 * nothing from OpenTelemetry: with traces off the SDK is never loaded.
 */
export type Environment = Readonly<Record<string, string | undefined>>;

/** The service name when neither OTEL_SERVICE_NAME nor OTEL_RESOURCE_ATTRIBUTES names one. */
export const DEFAULT_SERVICE_NAME = 'zoom-gateway';

function set(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

/**
 * Traces are exported when an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), unless OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER
 * says none.
 */
export function tracingEnabled(env: Environment): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((name) => name.trim());
  if (exporters.includes('none')) return false;
  return set(env.OTEL_EXPORTER_OTLP_ENDPOINT) || set(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** `zoom-gateway` unless the operator named the service; undefined leaves the SDK's own choice. */
export function defaultServiceName(env: Environment): string | undefined {
  if (set(env.OTEL_SERVICE_NAME)) return undefined;
  const named = (env.OTEL_RESOURCE_ATTRIBUTES ?? '')
    .split(',')
    .some((pair) => pair.split('=')[0]?.trim() === 'service.name');
  return named ? undefined : DEFAULT_SERVICE_NAME;
}
