// The simulator's public option, stats and control types (re-exported by zoom-simulator.ts and index.ts).
import type {
  DailyLimitOverrides,
  RateLimitHeaders,
  RateLimitKind,
  RateLimitPlan,
  RateLimitReport,
  ScopedDailyLimitOverrides,
} from './sim-rate-limits.js';
import type { SimRequest } from './sim-request-log.js';
import type { PhoneRecordingOptions, SimUpload } from './sim-files.js';
import type { ZoomMeeting } from './sim-meetings.js';
import type { WebhookAttempt, WebhookConfig, WebhookDelivery } from './sim-webhooks.js';

export type TokenModel = { kind: 'many' } | { kind: 'cap'; cap: number } | { kind: 'single' };

export interface ZoomSimulatorOptions {
  accountId?: string;
  clientId?: string;
  clientSecret?: string;
  appId?: string;
  tokenLifetimeSeconds?: number;
  tokenModel?: TokenModel;
  /** Zoom plan whose rate limits apply (default `pro`) */
  plan?: RateLimitPlan;
  /** Zoom's rate limits on (default) or off */
  rateLimits?: boolean;
  /** account daily caps by pool over the plan's (`{ 'heavy+resource_intensive': 3 }`); see README */
  dailyLimits?: DailyLimitOverrides;
  /** per host user / registrant per UTC day (default `{host_user: 100, registrant: 3, registrant_status: 10}`) */
  scopedDailyLimits?: ScopedDailyLimitOverrides;
  /** the same as `scopedDailyLimits.host_user` (which wins when both are given) */
  dailyMeetingLimitPerUser?: number;
  controlRoutes?: boolean;
  stateFile?: string;
  webhook?: WebhookConfig;
  scopes?: string[];
  clock?: () => number;
  /** `X-RateLimit-*` on answers: `all` (default, as Zoom documents) or `none` (as some captured
   * answers are); the 429s' `Retry-After` is sent either way */
  rateLimitHeaders?: RateLimitHeaders;
  /** how many requests `control.requests()` keeps (default 1000) */
  requestLogSize?: number;
  /** size (default 1 MiB) and framing of `GET /v2/phone/recording/download/{fileId}` */
  phoneRecording?: PhoneRecordingOptions;
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
  /** 429s served by the API (per-second and daily; `failNext` 429s too) */
  rateLimited: number;
  /** 429s the rate limits sent, by kind (all five keys, zero included) */
  rateLimitedBy: Record<RateLimitKind, number>;
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
  /** The same as `setScopedDailyLimits({ host_user: limit })`. */
  setDailyMeetingLimit(limit: number): void;
  /** Merges account daily-cap overrides by pool; `null` goes back to the plan's figure. */
  setDailyLimits(limits: DailyLimitOverrides): void;
  /** Merges per-user / per-registrant daily limits; `null` goes back to Zoom's figure. */
  setScopedDailyLimits(limits: ScopedDailyLimitOverrides): void;
  /** Rate-limit counters: per bucket and clock window, today's daily counts, 429s by kind. */
  rateLimits(): RateLimitReport;
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
  /** Every POST of an event to the webhook URL, oldest first: its bytes, when it went out, how long the answer took. */
  webhookAttempts(): WebhookAttempt[];
  setRateLimitHeaders(mode: RateLimitHeaders): void;
  /** Every request received (token, API, control, other), oldest first; `reset()` clears it. */
  requests(): SimRequest[];
  /** Files received by `POST /v2/users/{userId}/picture`, oldest first; `reset()` clears them. */
  uploads(): SimUpload[];
  setPhoneRecording(options: PhoneRecordingOptions): void;
}

export const SIM_DEFAULTS = {
  accountId: 'sim-account-id',
  clientId: 'sim-client-id',
  clientSecret: 'sim-client-secret',
  appId: 'sim-app-id',
  ownerEmail: 'sim-owner@example.com',
} as const;
