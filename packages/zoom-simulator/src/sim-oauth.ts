// Server-to-Server OAuth: the token endpoint, the client secrets, the live-token store under a
// token model, and the bearer check every API call goes through.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { send } from './sim-http.js';
import { bump, type Counters } from './sim-stats.js';
import { TokenSigner, type ZoomTokenClaims } from './sim-token.js';
import type { TokenModel } from './sim-types.js';
import { API_ERRORS, TOKEN_ERRORS } from './zoom-responses.js';

export interface TokenRecord {
  jti: string;
  expMs: number;
  scopes: ReadonlySet<string>;
}

export interface SecretRecord {
  id: string;
  value: string;
  revokeAt?: number;
}

export interface OAuthSettings {
  clock: () => number;
  accountId: string;
  clientId: string;
  initialSecret: string;
  ownerId: string;
  counters: Counters;
  /** what the token answer's `api_url` names */
  apiUrl: () => string;
}

export type AuthResult =
  { ok: true; token: TokenRecord } | { ok: false; body: { code: number; message: string } };

/** The key under which stats count mints by a secret: sha256(secret), first 12 hex characters. */
export const secretFingerprint = (secret: string) =>
  createHash('sha256').update(secret).digest('hex').slice(0, 12);

export const newSecretValue = () => randomBytes(24).toString('base64url');

export class TokenAuthority {
  tokenModel: TokenModel = { kind: 'many' };
  tokenLifetime = 3600;
  scopes: string[] = [];
  refused = false;
  /** seconds for the token endpoint's `Retry-After`, or null when it is not rate limited */
  tokenRetryAfter: number | null = null;
  secrets: SecretRecord[];

  private readonly signer = new TokenSigner();
  /** live tokens in mint order (oldest first) */
  private readonly live = new Map<string, TokenRecord>();
  /** invalidated, not yet expired (to tell them from tokens never minted) */
  private readonly invalidated = new Map<string, number>();
  private nextSweepAt = 0;

  constructor(private readonly s: OAuthSettings) {
    this.secrets = [{ id: randomUUID(), value: s.initialSecret }];
  }

  /** `POST /oauth/token` (grant `account_credentials`). */
  handleToken(req: IncomingMessage, res: ServerResponse, query: URLSearchParams, body: Buffer) {
    const counters = this.s.counters;
    const fail = (status: number, error: { reason: string; error: string }, key = error.error) => {
      bump(counters.tokenErrors, key);
      send(res, status, error);
    };
    if (req.method !== 'POST') return fail(400, TOKEN_ERRORS.unsupportedGrantType);
    if (this.tokenRetryAfter !== null) {
      bump(counters.tokenErrors, '429');
      return send(res, 429, TOKEN_ERRORS.rateLimited, {
        'retry-after': String(this.tokenRetryAfter),
      });
    }

    // Parameters: the query string (documented by Zoom) overlaid by the form body.
    const params = new URLSearchParams(query);
    const contentType = req.headers['content-type'] ?? '';
    if (body.length > 0 && contentType.includes('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.set(k, v);
    }

    let clientId = params.get('client_id') ?? undefined;
    let clientSecret = params.get('client_secret') ?? undefined;
    const auth = req.headers.authorization;
    if (auth && /^basic\s+/i.test(auth)) {
      const decoded = Buffer.from(auth.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon !== -1) {
        clientId = decoded.slice(0, colon);
        clientSecret = decoded.slice(colon + 1);
      }
    }
    const secret =
      clientId === this.s.clientId && clientSecret !== undefined
        ? this.acceptedSecrets().find((x) => x.value === clientSecret)
        : undefined;
    if (!secret) return fail(400, TOKEN_ERRORS.invalidClient);

    if (params.get('grant_type') !== 'account_credentials') {
      return fail(400, TOKEN_ERRORS.unsupportedGrantType);
    }
    const accountId = params.get('account_id');
    if (!accountId) return fail(400, TOKEN_ERRORS.missingAccount);
    if (accountId !== this.s.accountId) return fail(400, TOKEN_ERRORS.invalidAccount);

    const token = this.mint(secret);
    send(
      res,
      200,
      {
        access_token: token,
        token_type: 'bearer',
        expires_in: this.tokenLifetime,
        scope: this.scopes.join(' '),
        api_url: this.s.apiUrl() || 'https://api.zoom.us',
      },
      { 'cache-control': 'no-store', pragma: 'no-cache' },
    );
  }

  /** Checks a request's `Authorization: Bearer` token; refusal spares `exemptFromRefusal` routes. */
  authenticate(header: string, exemptFromRefusal: boolean): AuthResult {
    const counters = this.s.counters;
    const match = /^bearer\s+(\S+)\s*$/i.exec(header);
    const claims = match ? this.signer.verify(match[1]) : undefined;
    if (!claims) {
      counters.unknownTokenUses++;
      return { ok: false, body: API_ERRORS.invalidToken };
    }
    const now = this.s.clock();
    if (now >= claims.exp * 1000) {
      counters.expiredTokenUses++;
      return { ok: false, body: API_ERRORS.expiredToken };
    }
    this.sweep(now);
    const record = this.live.get(claims.jti);
    if (!record) {
      if (this.invalidated.has(claims.jti)) counters.invalidatedTokenUses++;
      else counters.unknownTokenUses++;
      return { ok: false, body: API_ERRORS.invalidToken };
    }
    if (this.refused && !exemptFromRefusal) {
      counters.refusedTokenUses++;
      return { ok: false, body: API_ERRORS.invalidToken };
    }
    return { ok: true, token: record };
  }

  /** The secrets that still work (revoked ones are dropped as their time passes). */
  acceptedSecrets(): SecretRecord[] {
    const now = this.s.clock();
    if (this.secrets.some((x) => x.revokeAt !== undefined && x.revokeAt <= now)) {
      this.secrets = this.secrets.filter((x) => x.revokeAt === undefined || x.revokeAt > now);
    }
    return this.secrets;
  }

  liveTokenCount(): number {
    const now = this.s.clock();
    let count = 0;
    for (const record of this.live.values()) if (record.expMs > now) count++;
    return count;
  }

  /** Invalidates every live token; answers how many had not yet expired. */
  invalidateLiveTokens(): number {
    const now = this.s.clock();
    let count = 0;
    for (const record of this.live.values()) {
      if (record.expMs > now) count++;
      this.invalidateToken(record);
    }
    return count;
  }

  setTokenModel(model: TokenModel): void {
    if (model.kind === 'cap' && !(Number.isInteger(model.cap) && model.cap >= 1)) {
      throw new Error('token cap must be an integer >= 1');
    }
    this.tokenModel = { ...model };
  }

  setTokenLifetime(seconds: number): void {
    if (!(Number.isInteger(seconds) && seconds >= 1)) throw new Error('lifetime must be >= 1 s');
    this.tokenLifetime = seconds;
  }

  regenerateSecret(): string {
    const value = newSecretValue();
    this.secrets = [{ id: randomUUID(), value }];
    this.refused = false;
    return value;
  }

  revokeOldSecret(): void {
    this.secrets = this.acceptedSecrets().slice(-1);
  }

  resetCredentials(): void {
    this.secrets = [{ id: randomUUID(), value: this.s.initialSecret }];
  }

  forgetTokens(): void {
    this.live.clear();
    this.invalidated.clear();
  }

  private mint(secret: SecretRecord): string {
    const now = this.s.clock();
    const cap =
      this.tokenModel.kind === 'many'
        ? Infinity
        : this.tokenModel.kind === 'single'
          ? 1
          : Math.max(1, this.tokenModel.cap);
    // With a cap, forget expired tokens first so that only live ones are counted against it.
    this.sweep(now, cap !== Infinity);
    while (this.live.size >= cap) {
      const oldest = this.live.values().next();
      if (oldest.done) break;
      this.invalidateToken(oldest.value);
    }
    const iat = Math.floor(now / 1000);
    const owner = this.s.ownerId;
    const claims: ZoomTokenClaims = {
      aud: 'https://oauth.zoom.us',
      uid: owner,
      ver: 10,
      auid: createHash('sha256').update(`auid:${owner}`).digest('hex'),
      nbf: iat,
      code: randomBytes(16).toString('base64url'),
      iss: `zm:cid:${this.s.clientId}`,
      gno: 0,
      sty: 1,
      tid: 0,
      aid: this.s.accountId,
      exp: iat + this.tokenLifetime,
      iat,
      jti: randomUUID(),
    };
    this.live.set(claims.jti, {
      jti: claims.jti,
      expMs: claims.exp * 1000,
      scopes: new Set(this.scopes),
    });
    this.s.counters.tokensMinted++;
    bump(this.s.counters.mintsBySecret, secretFingerprint(secret.value));
    return this.signer.sign(claims);
  }

  private invalidateToken(record: TokenRecord): void {
    this.live.delete(record.jti);
    this.invalidated.set(record.jti, record.expMs);
  }

  /** Forget expired tokens; amortised to once per clock second unless forced. */
  private sweep(now: number, force = false): void {
    if (!force && now < this.nextSweepAt) return;
    this.nextSweepAt = now + 1000;
    for (const [jti, record] of this.live) if (record.expMs <= now) this.live.delete(jti);
    for (const [jti, expMs] of this.invalidated) if (expMs <= now) this.invalidated.delete(jti);
  }
}
