import { join, resolve } from 'node:path';
import type { AppConfig, ProvisionedValues } from '../config/app-config.js';

/** Not secret: the built-in simulator is a local stand-in and accepts only loopback callers. */
export const EMBEDDED_SIMULATOR_CREDENTIALS = {
  accountId: 'embedded-account',
  clientId: 'embedded-client',
  clientSecret: 'embedded-simulator-secret',
} as const;

export interface EmbeddedSimulator {
  baseUrl: string;
  /** Where the gateway finds the simulator: for `withProvisioned`. */
  provisioned: Required<
    Pick<ProvisionedValues, 'zoomCredentials' | 'zoomOAuthBaseUrl' | 'zoomApiBaseUrl'>
  >;
  configureWebhook(gatewayUrl: string, secretToken: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The embedded default: with no ZOOM_* credentials, the built-in Zoom simulator stands in
 * for Zoom on a loopback port. This is the only production path that loads the simulator,
 * and it loads it lazily so a gateway pointed at real Zoom never does.
 */
export async function startEmbeddedSimulator(config: AppConfig): Promise<EmbeddedSimulator> {
  const { ZoomSimulator } = await import('@zoom-gateway/zoom-simulator');
  const credentials = { ...EMBEDDED_SIMULATOR_CREDENTIALS };
  const simulator = new ZoomSimulator({
    ...credentials,
    stateFile: resolve(join(config.dataDir, 'simulator-state.json')),
  });
  const baseUrl = await simulator.listen(config.embeddedSimulatorPort, '127.0.0.1');
  return {
    baseUrl,
    provisioned: {
      zoomCredentials: credentials,
      zoomOAuthBaseUrl: simulator.baseUrl,
      zoomApiBaseUrl: simulator.apiBaseUrl,
    },
    configureWebhook: (gatewayUrl, secretToken) =>
      simulator.control.setWebhook({ url: `${gatewayUrl}/webhooks/zoom`, secretToken }),
    close: () => simulator.close(),
  };
}
