// A faithful stand-in for Zoom's Server-to-Server OAuth token endpoint and the Meetings API,
// with the faults that hurt (token caps, refused apps, rate limits, 5xx, drops, latency).
// Plain node:http, no framework: benchmarks drive it hard.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  applyUpdate,
  buildMeeting,
  decodePageToken,
  encodePageToken,
  isListType,
  isPlainObject,
  listItem,
  matchesListType,
  newMeetingId,
  stripUndefined,
  validateMeetingBody,
  type MeetingInput,
  type ZoomMeeting,
} from './sim-meetings.js';
import {
  nextUtcMidnightIso,
  RateLimiter,
  type RateDecision,
  type RateLimitCategory,
  type RateLimitPlan,
} from './sim-rate-limits.js';
import { TokenSigner, type ZoomTokenClaims } from './sim-token.js';
import { WebhookDispatcher, type WebhookConfig, type WebhookDelivery } from './sim-webhooks.js';
import {
  accountDailyLimit,
  API_ERRORS,
  dailyMeetingLimit,
  meetingNotFound,
  missingScopes,
  TOKEN_ERRORS,
  userNotFound,
} from './zoom-responses.js';

export type { RateLimitPlan } from './sim-rate-limits.js';
export type { ZoomMeeting } from './sim-meetings.js';
export type { WebhookConfig, WebhookDelivery } from './sim-webhooks.js';

export type TokenModel = { kind: 'many' } | { kind: 'cap'; cap: number } | { kind: 'single' };

export interface ZoomSimulatorOptions {
  accountId?: string;
  clientId?: string;
  clientSecret?: string;
  appId?: string;
  tokenLifetimeSeconds?: number;
  tokenModel?: TokenModel;
  plan?: RateLimitPlan;
  rateLimits?: boolean;
  dailyMeetingLimitPerUser?: number;
  controlRoutes?: boolean;
  stateFile?: string;
  webhook?: WebhookConfig;
  scopes?: string[];
  clock?: () => number;
}

export interface SimUser {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  timezone: string;
  createdAt: string;
}

export interface SimulatorStats {
  tokenRequests: number;
  tokensMinted: number;
  /** key: first 12 hex characters of sha256(secret), never the secret */
  mintsBySecret: Record<string, number>;
  /** key: the OAuth `error` for 400s, the HTTP status for 429/5xx, `dropped` for dropped connections */
  tokenErrors: Record<string, number>;
  liveTokens: number;
  maxConcurrentTokenRequests: number;
  apiCalls: number;
  apiCallsByRoute: Record<string, Record<string, number>>;
  expiredTokenUses: number;
  invalidatedTokenUses: number;
  refusedTokenUses: number;
  /** tokens this simulator never minted (garbage, or from another instance) */
  unknownTokenUses: number;
  /** 429s served by the API (per-second and daily) */
  rateLimited: number;
  meetings: number;
  webhookDeliveries: number;
  webhookFailures: number;
}

export interface FaultOptions {
  status?: number;
  target?: 'token' | 'api' | 'any';
}

export interface ResetOptions {
  /** back to the constructor's client secret (ends any rotation) */
  credentials?: boolean;
  /** forget every meeting (users stay) */
  meetings?: boolean;
  /** forget every minted token */
  tokens?: boolean;
  /** token model, lifetime, plan, limits and scopes back to the constructor's options */
  modes?: boolean;
}

export interface SimulatorControl {
  stats(): SimulatorStats;
  /** Counters, faults (failures, drops, latency, token-endpoint 429, refused) and rate-limit windows back to zero. */
  reset(options?: ResetOptions): void;
  setTokenModel(model: TokenModel): void;
  setTokenLifetime(seconds: number): void;
  setRefused(refused: boolean): void;
  invalidateLiveTokens(): number;
  setTokenLatency(ms: number): void;
  setApiLatency(ms: number): void;
  failNext(n: number, opts?: FaultOptions): void;
  dropNext(n: number, opts?: { target?: 'token' | 'api' | 'any' }): void;
  setTokenEndpointRateLimited(retryAfterSeconds: number | null): void;
  setPlan(plan: RateLimitPlan): void;
  setRateLimits(enabled: boolean): void;
  setDailyMeetingLimit(limit: number): void;
  setScopes(scopes: string[]): void;
  addUser(user: { email: string; id?: string; firstName?: string; lastName?: string }): SimUser;
  regenerateSecret(): string;
  revokeOldSecret(): void;
  currentSecrets(): string[];
  deleteMeetingOutOfBand(meetingId: string): void;
  createMeetingOutOfBand(userId: string, body?: object): ZoomMeeting;
  getMeeting(meetingId: string): ZoomMeeting | undefined;
  setWebhook(webhook: WebhookConfig | null): Promise<void>;
  webhookDeliveries(): WebhookDelivery[];
}

/** Granular scopes (S2S apps get the `:admin` ones) that the simulated routes need. */
export const SIM_SCOPES = {
  readUser: ['user:read:user', 'user:read:user:admin'],
  createMeeting: ['meeting:write:meeting', 'meeting:write:meeting:admin'],
  readMeeting: ['meeting:read:meeting', 'meeting:read:meeting:admin'],
  updateMeeting: ['meeting:update:meeting', 'meeting:update:meeting:admin'],
  deleteMeeting: ['meeting:delete:meeting', 'meeting:delete:meeting:admin'],
  listMeetings: ['meeting:read:list_meetings', 'meeting:read:list_meetings:admin'],
  rotateSecret: ['marketplace:update:client_secret'],
} as const;

/** Classic scopes that also satisfy a route (older apps still carry them). */
const CLASSIC_SCOPES: Record<keyof typeof SIM_SCOPES, string[]> = {
  readUser: ['user:read:admin', 'user:read', 'user:master'],
  createMeeting: ['meeting:write:admin', 'meeting:write', 'meeting:master'],
  readMeeting: ['meeting:read:admin', 'meeting:read', 'meeting:master'],
  updateMeeting: ['meeting:write:admin', 'meeting:write', 'meeting:master'],
  deleteMeeting: ['meeting:write:admin', 'meeting:write', 'meeting:master'],
  listMeetings: ['meeting:read:admin', 'meeting:read', 'meeting:master'],
  rotateSecret: [],
};

export const DEFAULT_SIM_SCOPES: readonly string[] = [
  'user:read:user:admin',
  'user:read:list_users:admin',
  'meeting:read:meeting:admin',
  'meeting:read:list_meetings:admin',
  'meeting:write:meeting:admin',
  'meeting:update:meeting:admin',
  'meeting:delete:meeting:admin',
  'marketplace:update:client_secret',
];

export const SIM_DEFAULTS = {
  accountId: 'sim-account-id',
  clientId: 'sim-client-id',
  clientSecret: 'sim-client-secret',
  appId: 'sim-app-id',
  ownerEmail: 'sim-owner@example.com',
} as const;

/** The key under which stats count mints by a secret: sha256(secret), first 12 hex characters. */
export const secretFingerprint = (secret: string) =>
  createHash('sha256').update(secret).digest('hex').slice(0, 12);

interface TokenRecord {
  jti: string;
  expMs: number;
  scopes: ReadonlySet<string>;
}

interface SecretRecord {
  id: string;
  value: string;
  revokeAt?: number;
}

interface Fault {
  remaining: number;
  kind: 'fail' | 'drop';
  status: number;
  target: 'token' | 'api' | 'any';
}

interface MeetingRecord {
  meeting: ZoomMeeting;
  hostId: string;
}

interface PersistedState {
  version: 1;
  users: SimUser[];
  meetings: MeetingRecord[];
}

type Target = 'token' | 'api';
type Json = Record<string, unknown>;

const MAX_BODY_BYTES = 1_048_576;
const CONTROL_PREFIX = '/__simulator/';

const emptyStats = (): Omit<SimulatorStats, 'liveTokens' | 'meetings'> => ({
  tokenRequests: 0,
  tokensMinted: 0,
  mintsBySecret: {},
  tokenErrors: {},
  maxConcurrentTokenRequests: 0,
  apiCalls: 0,
  apiCallsByRoute: {},
  expiredTokenUses: 0,
  invalidatedTokenUses: 0,
  refusedTokenUses: 0,
  unknownTokenUses: 0,
  rateLimited: 0,
  webhookDeliveries: 0,
  webhookFailures: 0,
});

const bump = (map: Record<string, number>, key: string) => {
  map[key] = (map[key] ?? 0) + 1;
};

export class ZoomSimulator {
  readonly control: SimulatorControl;

  private readonly accountId: string;
  private readonly clientId: string;
  private readonly appId: string;
  private readonly initialSecret: string;
  private readonly clock: () => number;
  private readonly controlRoutes: boolean;
  private readonly stateFile?: string;
  private readonly options: ZoomSimulatorOptions;

  private server?: Server;
  private url = '';

  private readonly signer = new TokenSigner();
  private secrets: SecretRecord[] = [];
  private tokenModel: TokenModel = { kind: 'many' };
  private tokenLifetime = 3600;
  private scopes: string[] = [...DEFAULT_SIM_SCOPES];
  /** live tokens in mint order (oldest first) */
  private readonly live = new Map<string, TokenRecord>();
  /** invalidated, not yet expired (to tell them from tokens never minted) */
  private readonly invalidated = new Map<string, number>();
  private nextSweepAt = 0;
  private refused = false;

  private plan: RateLimitPlan = 'pro';
  private rateLimitsEnabled = true;
  private dailyMeetingLimitPerUser = 100;
  private readonly limiter = new RateLimiter();

  private tokenLatencyMs = 0;
  private apiLatencyMs = 0;
  private faults: Fault[] = [];
  private tokenRetryAfter: number | null = null;

  private counters = emptyStats();
  private tokenRequestsInFlight = 0;

  private readonly owner: SimUser;
  private readonly users = new Map<string, SimUser>();
  private readonly usersByEmail = new Map<string, SimUser>();
  private readonly meetings = new Map<number, MeetingRecord>();
  private saveTimer?: NodeJS.Timeout;

  private readonly webhooks: WebhookDispatcher;
  private trackingSeq = 0;

  constructor(options: ZoomSimulatorOptions = {}) {
    this.options = options;
    this.accountId = options.accountId ?? SIM_DEFAULTS.accountId;
    this.clientId = options.clientId ?? SIM_DEFAULTS.clientId;
    this.appId = options.appId ?? SIM_DEFAULTS.appId;
    this.initialSecret = options.clientSecret ?? SIM_DEFAULTS.clientSecret;
    this.clock = options.clock ?? Date.now;
    this.controlRoutes = options.controlRoutes ?? false;
    this.stateFile = options.stateFile;
    this.secrets = [{ id: randomUUID(), value: this.initialSecret }];
    this.applyModes();

    this.owner = {
      id: createHash('sha256').update(`owner:${this.accountId}`).digest('base64url').slice(0, 22),
      email: SIM_DEFAULTS.ownerEmail,
      firstName: 'Sim',
      lastName: 'Owner',
      timezone: 'UTC',
      createdAt: '2020-01-01T00:00:00Z',
    };
    this.indexUser(this.owner);
    this.loadState();

    this.webhooks = new WebhookDispatcher(this.clock);
    if (options.webhook) this.webhooks.configureLazily(options.webhook);
    this.control = this.buildControl();
  }

  /** OAuth base: `POST {baseUrl}/oauth/token`. Empty until `listen()` resolves. */
  get baseUrl(): string {
    return this.url;
  }

  get apiBaseUrl(): string {
    return this.url ? `${this.url}/v2` : '';
  }

  /** The app owner (`me`). */
  get ownerUser(): SimUser {
    return { ...this.owner };
  }

  listen(port = 0, host = '127.0.0.1'): Promise<string> {
    if (this.server) return Promise.resolve(this.url);
    const server = createServer((req, res) => this.onRequest(req, res));
    server.keepAliveTimeout = 30_000;
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const address = server.address();
        const bound = typeof address === 'object' && address !== null ? address.port : port;
        const shownHost = host.includes(':') ? `[${host}]` : host;
        this.url = `http://${shownHost === '0.0.0.0' ? '127.0.0.1' : shownHost}:${bound}`;
        resolve(this.url);
      });
    });
  }

  async close(): Promise<void> {
    this.webhooks.close();
    this.flushState();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  // ---------------------------------------------------------------- HTTP plumbing

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const query = new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1));

    if (path.startsWith(CONTROL_PREFIX)) {
      if (!this.controlRoutes) return this.send(res, 404, API_ERRORS.notFound);
      void this.readBody(req).then((body) => this.handleControl(req, res, path, body));
      return;
    }

    const target: Target | undefined =
      path === '/oauth/token' ? 'token' : path.startsWith('/v2/') ? 'api' : undefined;
    if (!target) return this.send(res, 404, API_ERRORS.notFound);

    if (target === 'token') {
      this.counters.tokenRequests++;
      this.tokenRequestsInFlight++;
      this.counters.maxConcurrentTokenRequests = Math.max(
        this.counters.maxConcurrentTokenRequests,
        this.tokenRequestsInFlight,
      );
      let done = false;
      const finished = () => {
        if (!done) {
          done = true;
          this.tokenRequestsInFlight--;
        }
      };
      res.once('finish', finished);
      res.once('close', finished);
    } else {
      this.counters.apiCalls++;
    }

    void this.readBody(req).then(async (body) => {
      const latency = target === 'token' ? this.tokenLatencyMs : this.apiLatencyMs;
      if (latency > 0) await new Promise((r) => setTimeout(r, latency));
      const fault = this.takeFault(target);
      if (fault?.kind === 'drop') {
        if (target === 'token') bump(this.counters.tokenErrors, 'dropped');
        req.socket.destroy();
        return;
      }
      if (target === 'token') {
        if (fault) {
          bump(this.counters.tokenErrors, String(fault.status));
          return this.send(res, fault.status, {
            reason: 'Service temporarily unavailable',
            error: 'server_error',
          });
        }
        return this.handleToken(req, res, query, body);
      }
      return this.handleApi(req, res, path, query, body, fault);
    });
  }

  private readBody(req: IncomingMessage): Promise<Buffer> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', () => resolve(Buffer.alloc(0)));
    });
  }

  private send(
    res: ServerResponse,
    status: number,
    body?: unknown,
    headers: Record<string, string> = {},
  ): void {
    if (res.headersSent || res.destroyed) return;
    const payload = body === undefined ? '' : JSON.stringify(body);
    const base: Record<string, string | number> = {
      'x-zm-trackingid': `v=2.0;clid=sim;rid=${++this.trackingSeq}`,
      ...headers,
    };
    if (body !== undefined) {
      base['content-type'] = 'application/json;charset=UTF-8';
      base['content-length'] = Buffer.byteLength(payload);
    } else {
      base['content-length'] = 0;
    }
    res.writeHead(status, base);
    res.end(payload);
  }

  private takeFault(target: Target): Fault | undefined {
    const index = this.faults.findIndex((f) => f.target === 'any' || f.target === target);
    if (index === -1) return undefined;
    const fault = this.faults[index];
    fault.remaining--;
    if (fault.remaining <= 0) this.faults.splice(index, 1);
    return fault;
  }

  // ---------------------------------------------------------------- token endpoint

  private handleToken(
    req: IncomingMessage,
    res: ServerResponse,
    query: URLSearchParams,
    body: Buffer,
  ): void {
    const fail = (status: number, error: { reason: string; error: string }, key = error.error) => {
      bump(this.counters.tokenErrors, key);
      this.send(res, status, error);
    };
    if (req.method !== 'POST') return fail(400, TOKEN_ERRORS.unsupportedGrantType);
    if (this.tokenRetryAfter !== null) {
      bump(this.counters.tokenErrors, '429');
      return this.send(res, 429, TOKEN_ERRORS.rateLimited, {
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
      clientId === this.clientId && clientSecret !== undefined
        ? this.acceptedSecrets().find((s) => s.value === clientSecret)
        : undefined;
    if (!secret) return fail(400, TOKEN_ERRORS.invalidClient);

    if (params.get('grant_type') !== 'account_credentials') {
      return fail(400, TOKEN_ERRORS.unsupportedGrantType);
    }
    const accountId = params.get('account_id');
    if (!accountId) return fail(400, TOKEN_ERRORS.missingAccount);
    if (accountId !== this.accountId) return fail(400, TOKEN_ERRORS.invalidAccount);

    const token = this.mint(secret);
    this.send(
      res,
      200,
      {
        access_token: token,
        token_type: 'bearer',
        expires_in: this.tokenLifetime,
        scope: this.scopes.join(' '),
        api_url: this.url || 'https://api.zoom.us',
      },
      { 'cache-control': 'no-store', pragma: 'no-cache' },
    );
  }

  private mint(secret: SecretRecord): string {
    const now = this.clock();
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
    const claims: ZoomTokenClaims = {
      aud: 'https://oauth.zoom.us',
      uid: this.owner.id,
      ver: 10,
      auid: createHash('sha256').update(`auid:${this.owner.id}`).digest('hex'),
      nbf: iat,
      code: randomBytes(16).toString('base64url'),
      iss: `zm:cid:${this.clientId}`,
      gno: 0,
      sty: 1,
      tid: 0,
      aid: this.accountId,
      exp: iat + this.tokenLifetime,
      iat,
      jti: randomUUID(),
    };
    this.live.set(claims.jti, {
      jti: claims.jti,
      expMs: claims.exp * 1000,
      scopes: new Set(this.scopes),
    });
    this.counters.tokensMinted++;
    bump(this.counters.mintsBySecret, secretFingerprint(secret.value));
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

  private liveTokenCount(): number {
    const now = this.clock();
    let count = 0;
    for (const record of this.live.values()) if (record.expMs > now) count++;
    return count;
  }

  private acceptedSecrets(): SecretRecord[] {
    const now = this.clock();
    if (this.secrets.some((s) => s.revokeAt !== undefined && s.revokeAt <= now)) {
      this.secrets = this.secrets.filter((s) => s.revokeAt === undefined || s.revokeAt > now);
    }
    return this.secrets;
  }

  // ---------------------------------------------------------------- API

  private handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams,
    rawBody: Buffer,
    fault: Fault | undefined,
  ): void {
    const method = req.method ?? 'GET';
    const segments = path.split('/').filter(Boolean).map(decodeURIComponent); // ['v2', ...]
    const route = this.matchRoute(method, segments);
    const routeKey = route ? `${method} ${route.pattern}` : `${method} (unmatched)`;
    const reply = (status: number, body?: unknown, headers?: Record<string, string>) => {
      const byRoute = (this.counters.apiCallsByRoute[routeKey] ??= {});
      bump(byRoute, String(status));
      if (status === 429) this.counters.rateLimited++;
      this.send(res, status, body, headers);
    };

    if (fault) {
      return reply(fault.status, {
        code: fault.status,
        message: 'The service is temporarily unavailable. Please try again later.',
      });
    }

    const auth = this.authenticate(req, route?.name === 'rotateSecret');
    if (!auth.ok) return reply(401, auth.body);
    if (!route) return reply(404, API_ERRORS.notFound);

    const needed = SIM_SCOPES[route.name];
    const has = (s: string) => auth.token.scopes.has(s);
    if (!needed.some(has) && !CLASSIC_SCOPES[route.name].some(has)) {
      return reply(400, missingScopes(needed));
    }

    if (this.rateLimitsEnabled) {
      const decision = this.limiter.takeAccount(route.category, this.plan, this.clock());
      if (!decision.ok) return this.replyRateLimited(reply, decision);
    }

    let body: unknown;
    if (route.hasBody) {
      const text = rawBody.toString('utf8');
      try {
        body = text.trim() === '' ? undefined : (JSON.parse(text) as unknown);
      } catch {
        body = Symbol('invalid json');
      }
    }
    route.handle({ segments, query, body, reply });
  }

  private replyRateLimited(
    reply: (status: number, body?: unknown, headers?: Record<string, string>) => void,
    decision: Exclude<RateDecision, { ok: true }>,
  ): void {
    const headers: Record<string, string> = {
      'x-ratelimit-category': decision.category,
      'x-ratelimit-type': decision.type,
      'x-ratelimit-limit': String(decision.limit),
      'x-ratelimit-remaining': '0',
    };
    if (decision.type === 'QPS') return reply(429, API_ERRORS.perSecondRateLimit, headers);
    headers['retry-after'] = nextUtcMidnightIso(this.clock());
    const body =
      decision.scope === 'user'
        ? dailyMeetingLimit(decision.limit)
        : accountDailyLimit(decision.limit, decision.category);
    return reply(429, body, headers);
  }

  private authenticate(
    req: IncomingMessage,
    exemptFromRefusal: boolean,
  ): { ok: true; token: TokenRecord } | { ok: false; body: { code: number; message: string } } {
    const header = req.headers.authorization ?? '';
    const match = /^bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      this.counters.unknownTokenUses++;
      return { ok: false, body: API_ERRORS.invalidToken };
    }
    const claims = this.signer.verify(match[1]);
    if (!claims) {
      this.counters.unknownTokenUses++;
      return { ok: false, body: API_ERRORS.invalidToken };
    }
    const now = this.clock();
    if (now >= claims.exp * 1000) {
      this.counters.expiredTokenUses++;
      return { ok: false, body: API_ERRORS.expiredToken };
    }
    this.sweep(now);
    const record = this.live.get(claims.jti);
    if (!record) {
      if (this.invalidated.has(claims.jti)) this.counters.invalidatedTokenUses++;
      else this.counters.unknownTokenUses++;
      return { ok: false, body: API_ERRORS.invalidToken };
    }
    if (this.refused && !exemptFromRefusal) {
      this.counters.refusedTokenUses++;
      return { ok: false, body: API_ERRORS.invalidToken };
    }
    return { ok: true, token: record };
  }

  private matchRoute(method: string, s: string[]): Route | undefined {
    if (s[0] !== 'v2') return undefined;
    const n = s.length;
    if (s[1] === 'users' && n === 3 && method === 'GET') {
      return this.route('readUser', '/v2/users/:userId', 'Light', false, (c) =>
        this.getUser(c, s[2]),
      );
    }
    if (s[1] === 'users' && n === 4 && s[3] === 'meetings') {
      if (method === 'POST') {
        return this.route('createMeeting', '/v2/users/:userId/meetings', 'Medium', true, (c) =>
          this.createMeeting(c, s[2]),
        );
      }
      if (method === 'GET') {
        return this.route('listMeetings', '/v2/users/:userId/meetings', 'Medium', false, (c) =>
          this.listMeetings(c, s[2]),
        );
      }
    }
    if (s[1] === 'meetings' && n === 3) {
      if (method === 'GET') {
        return this.route('readMeeting', '/v2/meetings/:meetingId', 'Light', false, (c) =>
          this.getMeetingRoute(c, s[2]),
        );
      }
      if (method === 'PATCH') {
        return this.route('updateMeeting', '/v2/meetings/:meetingId', 'Light', true, (c) =>
          this.updateMeeting(c, s[2]),
        );
      }
      if (method === 'DELETE') {
        return this.route('deleteMeeting', '/v2/meetings/:meetingId', 'Light', false, (c) =>
          this.deleteMeeting(c, s[2]),
        );
      }
    }
    if (
      s[1] === 'marketplace' &&
      s[2] === 'apps' &&
      n === 5 &&
      s[4] === 'rotate_client_secret' &&
      method === 'POST'
    ) {
      return this.route(
        'rotateSecret',
        '/v2/marketplace/apps/:appId/rotate_client_secret',
        'Light',
        true,
        (c) => this.rotateSecret(c, s[3]),
      );
    }
    return undefined;
  }

  private route(
    name: keyof typeof SIM_SCOPES,
    pattern: string,
    category: RateLimitCategory,
    hasBody: boolean,
    handle: (c: RouteContext) => void,
  ): Route {
    return { name, pattern, category, hasBody, handle };
  }

  private resolveUser(userId: string): SimUser | undefined {
    if (userId === 'me') return this.owner;
    return this.users.get(userId) ?? this.usersByEmail.get(userId.toLowerCase());
  }

  private findMeeting(meetingId: string): MeetingRecord | undefined {
    if (!/^\d{1,19}$/.test(meetingId)) return undefined;
    return this.meetings.get(Number(meetingId));
  }

  private getUser(c: RouteContext, userId: string): void {
    const user = this.resolveUser(userId);
    if (!user) return c.reply(404, userNotFound(userId));
    c.reply(200, this.userBody(user));
  }

  private userBody(user: SimUser): Json {
    return {
      id: user.id,
      first_name: user.firstName,
      last_name: user.lastName,
      display_name: `${user.firstName} ${user.lastName}`.trim(),
      email: user.email,
      type: 2,
      role_name: user.id === this.owner.id ? 'Owner' : 'Member',
      pmi:
        1_000_000_000 +
        (parseInt(createHash('sha256').update(user.id).digest('hex').slice(0, 8), 16) %
          8_999_999_999),
      use_pmi: false,
      personal_meeting_url: `https://zoom.us/j/${user.id}`,
      timezone: user.timezone,
      verified: 1,
      dept: '',
      created_at: user.createdAt,
      user_created_at: user.createdAt,
      last_login_time: user.createdAt,
      pic_url: '',
      language: 'en-US',
      phone_number: '',
      status: 'active',
      role_id: user.id === this.owner.id ? '0' : '2',
      account_id: this.accountId,
      account_number: 10_000_000,
      cluster: 'us06',
    };
  }

  private createMeeting(c: RouteContext, userId: string): void {
    const host = this.resolveUser(userId);
    if (!host) return c.reply(404, userNotFound(userId));
    if (this.rateLimitsEnabled) {
      const decision = this.limiter.takeUserDaily(
        host.id,
        'Medium',
        this.dailyMeetingLimitPerUser,
        this.clock(),
      );
      if (!decision.ok) return this.replyRateLimited(c.reply, decision);
    }
    const validated = validateMeetingBody(c.body, false);
    if (!validated.ok) return c.reply(400, validated.failure);
    const meeting = this.insertMeeting(host, validated.value);
    this.emitMeetingEvent('meeting.created', this.owner, meeting);
    c.reply(201, meeting);
  }

  private insertMeeting(host: SimUser, input: MeetingInput): ZoomMeeting {
    const id = newMeetingId((candidate) => this.meetings.has(candidate));
    const meeting = buildMeeting(id, host, input, this.clock());
    this.meetings.set(id, { meeting, hostId: host.id });
    this.scheduleSave();
    return meeting;
  }

  private getMeetingRoute(c: RouteContext, meetingId: string): void {
    const record = this.findMeeting(meetingId);
    if (!record) return c.reply(404, meetingNotFound(meetingId));
    c.reply(200, record.meeting);
  }

  private updateMeeting(c: RouteContext, meetingId: string): void {
    const record = this.findMeeting(meetingId);
    if (!record) return c.reply(404, meetingNotFound(meetingId));
    if (this.rateLimitsEnabled) {
      const decision = this.limiter.takeUserDaily(
        record.hostId,
        'Light',
        this.dailyMeetingLimitPerUser,
        this.clock(),
      );
      if (!decision.ok) return this.replyRateLimited(c.reply, decision);
    }
    const validated = validateMeetingBody(c.body, true);
    if (!validated.ok) return c.reply(400, validated.failure);
    const { changed, old } = applyUpdate(record.meeting, validated.value, this.clock());
    this.scheduleSave();
    if (Object.keys(changed).length > 0) {
      this.webhooks.emit('meeting.updated', {
        account_id: this.accountId,
        operator: this.owner.email,
        operator_id: this.owner.id,
        operation: 'single',
        object: { id: record.meeting.id, uuid: record.meeting.uuid, ...changed },
        old_object: { id: record.meeting.id, uuid: record.meeting.uuid, ...old },
        time_stamp: this.clock(),
      });
    }
    c.reply(204);
  }

  private deleteMeeting(c: RouteContext, meetingId: string): void {
    const record = this.findMeeting(meetingId);
    if (!record) return c.reply(404, meetingNotFound(meetingId));
    this.removeMeeting(record, this.owner);
    c.reply(204);
  }

  private removeMeeting(record: MeetingRecord, operator: SimUser): void {
    this.meetings.delete(record.meeting.id);
    this.scheduleSave();
    this.emitMeetingEvent('meeting.deleted', operator, record.meeting);
  }

  private listMeetings(c: RouteContext, userId: string): void {
    const host = this.resolveUser(userId);
    if (!host) return c.reply(404, userNotFound(userId));
    const type = c.query.get('type') ?? 'scheduled';
    if (!isListType(type)) {
      return c.reply(400, {
        code: 300,
        message: 'Validation Failed.',
        errors: [{ field: 'type', message: 'Invalid field.' }],
      });
    }
    const rawSize = c.query.get('page_size');
    let pageSize = 30;
    if (rawSize !== null) {
      if (!/^\d+$/.test(rawSize) || Number(rawSize) < 1) {
        return c.reply(400, {
          code: 300,
          message: 'Validation Failed.',
          errors: [{ field: 'page_size', message: 'Invalid field.' }],
        });
      }
      pageSize = Math.min(300, Number(rawSize));
    }
    let offset = 0;
    const token = c.query.get('next_page_token');
    if (token) {
      const decoded = decodePageToken(token);
      if (decoded === undefined) {
        return c.reply(400, { code: 300, message: 'The next page token is invalid or expired.' });
      }
      offset = decoded;
    }
    const now = this.clock();
    const all: ZoomMeeting[] = [];
    for (const record of this.meetings.values()) {
      if (record.hostId === host.id && matchesListType(record.meeting, type, now)) {
        all.push(record.meeting);
      }
    }
    const page = all.slice(offset, offset + pageSize);
    const next = offset + pageSize < all.length ? encodePageToken(offset + pageSize) : '';
    c.reply(200, {
      next_page_token: next,
      page_size: pageSize,
      total_records: all.length,
      meetings: page.map(listItem),
    });
  }

  /**
   * `POST /v2/marketplace/apps/{appId}/rotate_client_secret`, body `{action, revoke_old_secret_time}`:
   * - `new`: issues a second secret (both work) and answers `{secret_id, new_secret, revoke_old_secret_time}`;
   * - `update`: reschedules the old secret's revocation and answers `{secret_id, revoke_old_secret_time}`.
   * `revoke_old_secret_time` is `now` or a UTC time `yyyy-MM-ddTHH:mm:ssZ`.
   */
  private rotateSecret(c: RouteContext, appId: string): void {
    if (appId !== this.appId) {
      return c.reply(404, { code: 404, message: `App does not exist: ${appId}.` });
    }
    if (!isPlainObject(c.body)) {
      return c.reply(400, {
        code: 300,
        message: 'Request Body should be a valid JSON object.',
        errors: [{ field: 'body', message: 'Request Body should be a valid JSON object.' }],
      });
    }
    const { action, revoke_old_secret_time: revokeTime } = c.body;
    const errors: Array<{ field: string; message: string }> = [];
    if (action !== 'new' && action !== 'update')
      errors.push({ field: 'action', message: 'Invalid field.' });
    let revokeAt: number | undefined;
    if (revokeTime === 'now') revokeAt = this.clock();
    else if (
      typeof revokeTime === 'string' &&
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(revokeTime) &&
      !Number.isNaN(Date.parse(revokeTime))
    ) {
      revokeAt = Date.parse(revokeTime);
    } else {
      errors.push({ field: 'revoke_old_secret_time', message: 'Invalid field.' });
    }
    if (errors.length > 0 || revokeAt === undefined) {
      return c.reply(400, { code: 300, message: 'Validation Failed.', errors });
    }
    const secrets = this.acceptedSecrets();
    if (action === 'new') {
      if (secrets.length > 1) {
        return c.reply(400, {
          code: 300,
          message:
            'A client secret rotation is already scheduled; use action "update" to change its revoke time.',
        });
      }
      const fresh: SecretRecord = { id: randomUUID(), value: this.newSecretValue() };
      for (const old of secrets) old.revokeAt = revokeAt;
      this.secrets = [...secrets, fresh];
      this.acceptedSecrets();
      this.refused = false;
      return c.reply(200, {
        secret_id: fresh.id,
        new_secret: fresh.value,
        revoke_old_secret_time: revokeTime,
      });
    }
    if (secrets.length < 2) {
      return c.reply(400, { code: 300, message: 'There is no client secret rotation to update.' });
    }
    const newest = secrets[secrets.length - 1];
    for (const old of secrets.slice(0, -1)) old.revokeAt = revokeAt;
    this.acceptedSecrets();
    return c.reply(200, { secret_id: newest.id, revoke_old_secret_time: revokeTime });
  }

  private newSecretValue(): string {
    return randomBytes(24).toString('base64url');
  }

  private emitMeetingEvent(event: string, operator: SimUser, m: ZoomMeeting): void {
    if (!this.webhooks.configured) return;
    this.webhooks.emit(event, {
      account_id: this.accountId,
      operator: operator.email,
      operator_id: operator.id,
      operation: 'single',
      object: stripUndefined({
        uuid: m.uuid,
        id: m.id,
        host_id: m.host_id,
        topic: m.topic,
        type: m.type,
        start_time: m.start_time,
        duration: m.duration,
        timezone: m.timezone,
        join_url: event === 'meeting.deleted' ? undefined : m.join_url,
        password: event === 'meeting.deleted' ? undefined : m.password,
        created_at: m.created_at,
      }),
    });
  }

  // ---------------------------------------------------------------- control

  private async handleControl(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    body: Buffer,
  ): Promise<void> {
    const action = path.slice(CONTROL_PREFIX.length);
    try {
      if (action === 'stats' && req.method === 'GET')
        return this.send(res, 200, this.control.stats());
      if (action === 'reset' && req.method === 'POST') {
        const parsed: unknown = body.length > 0 ? JSON.parse(body.toString('utf8')) : {};
        const options: ResetOptions = {};
        if (isPlainObject(parsed)) {
          for (const key of ['credentials', 'meetings', 'tokens', 'modes'] as const) {
            if (parsed[key] === true) options[key] = true;
          }
        }
        this.control.reset(options);
        return this.send(res, 200, { ok: true });
      }
      if (action === 'control' && req.method === 'POST') {
        const parsed: unknown = JSON.parse(body.toString('utf8'));
        const name = isPlainObject(parsed) ? parsed.action : undefined;
        const args: unknown[] =
          isPlainObject(parsed) && Array.isArray(parsed.args) ? [...parsed.args] : [];
        const fn: unknown =
          typeof name === 'string' && Object.hasOwn(this.control, name)
            ? Reflect.get(this.control, name)
            : undefined;
        if (typeof fn !== 'function') {
          return this.send(res, 400, { error: `unknown action: ${String(name)}` });
        }
        const result: unknown = await Promise.resolve(Reflect.apply(fn, this.control, args));
        return this.send(res, 200, result ?? null);
      }
      return this.send(res, 404, API_ERRORS.notFound);
    } catch (error) {
      return this.send(res, 400, { error: error instanceof Error ? error.message : String(error) });
    }
  }

  private applyModes(): void {
    const o = this.options;
    this.tokenModel = o.tokenModel ?? { kind: 'many' };
    this.tokenLifetime = o.tokenLifetimeSeconds ?? 3600;
    this.plan = o.plan ?? 'pro';
    this.rateLimitsEnabled = o.rateLimits ?? true;
    this.dailyMeetingLimitPerUser = o.dailyMeetingLimitPerUser ?? 100;
    this.scopes = [...(o.scopes ?? DEFAULT_SIM_SCOPES)];
  }

  private buildControl(): SimulatorControl {
    return {
      stats: () => ({
        ...structuredClone(this.counters),
        liveTokens: this.liveTokenCount(),
        meetings: this.meetings.size,
        webhookDeliveries: this.webhooks.list().filter((d) => d.delivered).length,
        webhookFailures: this.webhooks.list().filter((d) => !d.delivered && d.attempts > 0).length,
      }),
      reset: (options = {}) => {
        this.counters = emptyStats();
        this.faults = [];
        this.tokenLatencyMs = 0;
        this.apiLatencyMs = 0;
        this.tokenRetryAfter = null;
        this.refused = false;
        this.limiter.reset();
        this.webhooks.clearHistory();
        if (options.credentials) this.secrets = [{ id: randomUUID(), value: this.initialSecret }];
        if (options.meetings) {
          this.meetings.clear();
          this.scheduleSave();
        }
        if (options.tokens) {
          this.live.clear();
          this.invalidated.clear();
        }
        if (options.modes) this.applyModes();
      },
      setTokenModel: (model) => {
        if (model.kind === 'cap' && !(Number.isInteger(model.cap) && model.cap >= 1)) {
          throw new Error('token cap must be an integer >= 1');
        }
        this.tokenModel = { ...model };
      },
      setTokenLifetime: (seconds) => {
        if (!(Number.isInteger(seconds) && seconds >= 1))
          throw new Error('lifetime must be >= 1 s');
        this.tokenLifetime = seconds;
      },
      setRefused: (refused) => {
        this.refused = refused;
      },
      invalidateLiveTokens: () => {
        const now = this.clock();
        let count = 0;
        for (const record of this.live.values()) {
          if (record.expMs > now) count++;
          this.invalidateToken(record);
        }
        return count;
      },
      setTokenLatency: (ms) => {
        this.tokenLatencyMs = Math.max(0, ms);
      },
      setApiLatency: (ms) => {
        this.apiLatencyMs = Math.max(0, ms);
      },
      failNext: (n, opts = {}) => {
        if (n > 0) {
          this.faults.push({
            remaining: n,
            kind: 'fail',
            status: opts.status ?? 503,
            target: opts.target ?? 'any',
          });
        }
      },
      dropNext: (n, opts = {}) => {
        if (n > 0) {
          this.faults.push({ remaining: n, kind: 'drop', status: 0, target: opts.target ?? 'any' });
        }
      },
      setTokenEndpointRateLimited: (retryAfterSeconds) => {
        this.tokenRetryAfter = retryAfterSeconds;
      },
      setPlan: (plan) => {
        if (plan !== 'free' && plan !== 'pro' && plan !== 'business') {
          throw new Error(`unknown plan: ${String(plan)}`);
        }
        this.plan = plan;
      },
      setRateLimits: (enabled) => {
        this.rateLimitsEnabled = enabled;
      },
      setDailyMeetingLimit: (limit) => {
        this.dailyMeetingLimitPerUser = limit;
      },
      setScopes: (scopes) => {
        this.scopes = [...scopes];
      },
      addUser: (user) => {
        const existing = this.usersByEmail.get(user.email.toLowerCase());
        if (existing) return { ...existing };
        const created: SimUser = {
          id: user.id ?? randomBytes(16).toString('base64url').slice(0, 22),
          email: user.email,
          firstName: user.firstName ?? user.email.split('@')[0],
          lastName: user.lastName ?? '',
          timezone: 'UTC',
          createdAt: new Date(this.clock()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        };
        this.indexUser(created);
        this.scheduleSave();
        return { ...created };
      },
      regenerateSecret: () => {
        const value = this.newSecretValue();
        this.secrets = [{ id: randomUUID(), value }];
        this.refused = false;
        return value;
      },
      revokeOldSecret: () => {
        const secrets = this.acceptedSecrets();
        this.secrets = secrets.slice(-1);
      },
      currentSecrets: () => this.acceptedSecrets().map((s) => s.value),
      deleteMeetingOutOfBand: (meetingId) => {
        const record = this.findMeeting(meetingId);
        if (!record) throw new Error(`Meeting does not exist: ${meetingId}.`);
        const host = this.users.get(record.hostId) ?? this.owner;
        this.removeMeeting(record, host);
      },
      createMeetingOutOfBand: (userId, body = {}) => {
        const host = this.resolveUser(userId);
        if (!host) throw new Error(`User does not exist: ${userId}.`);
        const validated = validateMeetingBody(body, false);
        if (!validated.ok) throw new Error(validated.failure.message);
        const meeting = this.insertMeeting(host, validated.value);
        this.emitMeetingEvent('meeting.created', host, meeting);
        return structuredClone(meeting);
      },
      getMeeting: (meetingId) => {
        const record = this.findMeeting(meetingId);
        return record ? structuredClone(record.meeting) : undefined;
      },
      setWebhook: (webhook) => this.webhooks.configure(webhook),
      webhookDeliveries: () => this.webhooks.list(),
    };
  }

  // ---------------------------------------------------------------- users & persistence

  private indexUser(user: SimUser): void {
    this.users.set(user.id, user);
    this.usersByEmail.set(user.email.toLowerCase(), user);
  }

  private loadState(): void {
    if (!this.stateFile || !existsSync(this.stateFile)) return;
    let state: unknown;
    try {
      state = JSON.parse(readFileSync(this.stateFile, 'utf8'));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      console.error(`zoom-simulator: ignoring unreadable state file: ${reason}`);
      return;
    }
    if (!isPersistedState(state)) return;
    for (const user of state.users) {
      if (user.id !== this.owner.id) this.indexUser(user);
    }
    for (const record of state.meetings) this.meetings.set(record.meeting.id, record);
  }

  private scheduleSave(): void {
    if (!this.stateFile || this.saveTimer) return;
    this.saveTimer = setTimeout(() => this.flushState(), 200);
    this.saveTimer.unref();
  }

  private flushState(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!this.stateFile) return;
    const state: PersistedState = {
      version: 1,
      users: [...this.users.values()].filter((u) => u.id !== this.owner.id),
      meetings: [...this.meetings.values()],
    };
    const temp = `${this.stateFile}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.stateFile), { recursive: true });
      writeFileSync(temp, JSON.stringify(state));
      renameSync(temp, this.stateFile);
    } catch (error) {
      // Persistence is best effort: never take the simulator (or an embedding gateway) down.
      const reason = error instanceof Error ? error.message : String(error);
      console.error(`zoom-simulator: could not save state: ${reason}`);
    }
  }
}

/** Trusts the file we wrote ourselves, checking only its outline. */
function isPersistedState(value: unknown): value is PersistedState {
  return (
    isPlainObject(value) &&
    value.version === 1 &&
    Array.isArray(value.users) &&
    Array.isArray(value.meetings)
  );
}

interface RouteContext {
  segments: string[];
  query: URLSearchParams;
  body: unknown;
  reply: (status: number, body?: unknown, headers?: Record<string, string>) => void;
}

interface Route {
  name: keyof typeof SIM_SCOPES;
  pattern: string;
  category: RateLimitCategory;
  hasBody: boolean;
  handle: (c: RouteContext) => void;
}
