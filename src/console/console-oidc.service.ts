import { Injectable, Logger } from '@nestjs/common';
import * as oidc from 'openid-client';
import { z } from 'zod';
import { Clock } from '../common/clock.js';
import { EncryptionService } from '../common/crypto/encryption.service.js';
import { DomainError, ErrorCode, errorMessage } from '../common/errors/index.js';
import { AppConfig } from '../config/app-config.js';
import type { ConsoleOidcConfig } from '../config/console-oidc.js';

/** The short cookie that carries a sign-in's state, nonce and PKCE verifier to the callback (sealed). */
export const OIDC_PENDING_COOKIE = 'zgw_console_oidc';
const PENDING_TTL_MS = 10 * 60_000;
const AAD = 'console.oidc.pending';

const PendingSignIn = z.object({
  state: z.string(),
  nonce: z.string(),
  verifier: z.string(),
  redirectUri: z.string(),
  until: z.number(),
});
type Pending = z.infer<typeof PendingSignIn>;

/** Who signed in, and whether CONSOLE_OIDC_ADMINS lets them act. */
export interface OidcPerson {
  email: string;
  mayAct: boolean;
}

/**
 * Sign-in through the company's OpenID Connect provider (openid-client): authorization code
 * with PKCE, state and nonce; the pending sign-in travels sealed in a short cookie, so the
 * callback may reach any replica.
 */
@Injectable()
export class ConsoleOidcService {
  private readonly logger = new Logger(ConsoleOidcService.name);
  private discovered: Promise<oidc.Configuration> | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly encryption: EncryptionService,
    private readonly clock: Clock,
  ) {}

  get enabled(): boolean {
    return this.config.consoleOidc !== undefined;
  }

  private settings(): Readonly<ConsoleOidcConfig> {
    const settings = this.config.consoleOidc;
    if (!settings)
      throw new DomainError(ErrorCode.NotFound, 'OpenID Connect sign-in is not configured.');
    return settings;
  }

  private provider(): Promise<oidc.Configuration> {
    const settings = this.settings();
    this.discovered ??= oidc
      .discovery(
        new URL(settings.issuer),
        settings.clientId,
        undefined,
        // The OpenID Connect default, and what most providers expect of a confidential client.
        oidc.ClientSecretBasic(settings.clientSecret),
        new URL(settings.issuer).protocol === 'http:'
          ? { execute: [oidc.allowInsecureRequests] }
          : undefined,
      )
      .catch((error: unknown) => {
        this.discovered = undefined;
        this.logger.warn(`OpenID Connect discovery failed: ${errorMessage(error)}`);
        throw new DomainError(
          ErrorCode.ServiceUnavailable,
          'The OpenID Connect provider cannot be reached.',
        );
      });
    return this.discovered;
  }

  /** Where to send the browser, and the sealed pending sign-in for its cookie. */
  async begin(redirectUri: string): Promise<{ location: string; pending: string }> {
    const provider = await this.provider();
    const verifier = oidc.randomPKCECodeVerifier();
    const pending: Pending = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier,
      redirectUri,
      until: this.clock.now() + PENDING_TTL_MS,
    };
    const location = oidc.buildAuthorizationUrl(provider, {
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return {
      location: location.href,
      pending: this.encryption.encrypt(JSON.stringify(pending), AAD),
    };
  }

  /** The callback: the code exchanged and the ID token checked; who signed in and what they may do. */
  async complete(callbackUrl: URL, sealed: string | undefined): Promise<OidcPerson> {
    const settings = this.settings();
    const pending = this.open(sealed);
    const provider = await this.provider();
    let claims: oidc.IDToken | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(provider, callbackUrl, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (error) {
      this.logger.warn(`OpenID Connect sign-in refused: ${errorMessage(error)}`);
      throw new DomainError(ErrorCode.Unauthorized, 'The OpenID Connect sign-in failed.');
    }
    const email = typeof claims?.email === 'string' ? claims.email.toLowerCase() : undefined;
    if (!email)
      throw new DomainError(ErrorCode.Unauthorized, 'The OpenID Connect provider named no email.');
    const raw: unknown = claims?.[settings.groupsClaim];
    const groups = Array.isArray(raw)
      ? raw.filter((group): group is string => typeof group === 'string')
      : typeof raw === 'string'
        ? [raw]
        : [];
    const mayAct =
      settings.admins.includes(email) || groups.some((g) => settings.admins.includes(g));
    return { email, mayAct };
  }

  private open(sealed: string | undefined): Pending {
    try {
      if (!sealed) throw new Error('no pending sign-in');
      const pending = PendingSignIn.parse(JSON.parse(this.encryption.decrypt(sealed, AAD)));
      if (pending.until < this.clock.now()) throw new Error('expired');
      return pending;
    } catch {
      throw new DomainError(
        ErrorCode.Unauthorized,
        'No sign-in in progress (or it took over ten minutes): start again.',
      );
    }
  }
}
