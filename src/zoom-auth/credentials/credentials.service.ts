import { Injectable } from '@nestjs/common';
import { fingerprint } from '../../common/crypto/encryption.service.js';
import { AppConfig } from '../../config/app-config.js';
import type { ZoomCredentials } from './zoom-credentials.js';

export type CredentialsListener = (credentials: ZoomCredentials) => void;

/**
 * The active credential version. Placeholder for issue 5: environment-seeded version 1
 * only; the versioned, encrypted, rotatable store replaces the internals, not the surface.
 */
@Injectable()
export class CredentialsService {
  private current: ZoomCredentials;
  private readonly listeners: CredentialsListener[] = [];

  constructor(config: AppConfig) {
    const env = config.zoomCredentials;
    if (!env) throw new Error('Zoom credentials were not configured before start-up');
    this.current = { version: 1, ...env, fingerprint: fingerprint(`${env.clientId}:${env.clientSecret}`) };
  }

  /** Hot path: synchronous, no I/O. */
  active(): ZoomCredentials {
    return this.current;
  }

  /** Called after a new version becomes active on this replica (locally or announced by another). */
  onActivated(listener: CredentialsListener): void {
    this.listeners.push(listener);
  }

  protected activate(credentials: ZoomCredentials): void {
    this.current = credentials;
    for (const listener of this.listeners) listener(credentials);
  }
}
