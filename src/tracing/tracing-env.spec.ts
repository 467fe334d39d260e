import { DEFAULT_SERVICE_NAME, defaultServiceName, tracingEnabled } from './tracing-env.js';

describe(tracingEnabled.name, () => {
  it('is off unless an OTLP endpoint is set', () => {
    expect(tracingEnabled({})).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBe(false);
    expect(tracingEnabled({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' })).toBe(
      false,
    );
  });

  it('is on with the general or the traces endpoint', () => {
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(
      tracingEnabled({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }),
    ).toBe(true);
  });

  it('stays off when the SDK is disabled or the traces exporter is none', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(tracingEnabled({ ...endpoint, OTEL_SDK_DISABLED: 'TRUE' })).toBe(false);
    expect(tracingEnabled({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(tracingEnabled({ ...endpoint, OTEL_SDK_DISABLED: 'false' })).toBe(true);
  });
});

describe(defaultServiceName.name, () => {
  it('names the service zoom-gateway unless the operator named it', () => {
    expect(defaultServiceName({})).toBe(DEFAULT_SERVICE_NAME);
    expect(defaultServiceName({ OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod' })).toBe(
      DEFAULT_SERVICE_NAME,
    );
    expect(defaultServiceName({ OTEL_SERVICE_NAME: 'zoom-gateway-eu' })).toBeUndefined();
    expect(
      defaultServiceName({ OTEL_RESOURCE_ATTRIBUTES: 'team=a, service.name=zg,x=y' }),
    ).toBeUndefined();
  });
});
