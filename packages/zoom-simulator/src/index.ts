export {
  DEFAULT_SIM_SCOPES,
  SIM_DEFAULTS,
  SIM_SCOPES,
  ZoomSimulator,
  secretFingerprint,
  type FaultOptions,
  type RateLimitPlan,
  type ResetOptions,
  type SimUser,
  type SimulatorControl,
  type SimulatorStats,
  type TokenModel,
  type WebhookAttempt,
  type WebhookConfig,
  type WebhookDelivery,
  type ZoomMeeting,
  type ZoomSimulatorOptions,
} from './zoom-simulator.js';
export {
  ZOOM_DAILY_LIMITS,
  ZOOM_RATE_LIMITS,
  ZOOM_SCOPED_DAILY_LIMITS,
  nextUtcMidnightIso,
  type BucketReport,
  type DailyLimitOverrides,
  type DailyPoolReport,
  type RateLimitCategory,
  type RateLimitHeaders,
  type RateLimitKind,
  type RateLimitReport,
  type ScopedDailyLimitOverrides,
  type ScopedReport,
  type WindowCount,
} from './sim-rate-limits.js';
export type { SimRequest } from './sim-request-log.js';
export { phoneRecordingBytes, type PhoneRecordingOptions, type SimUpload } from './sim-files.js';
export { PAGE_TOKEN_TTL_MS } from './sim-paging.js';
export {
  ZOOM_WEBHOOK_RETRY_DELAYS_MS,
  ZOOM_WEBHOOK_TIMEOUT_MS,
  zoomWebhookSignature,
} from './sim-webhooks.js';
export { decodeTokenClaims, decodeTokenHeader } from './sim-token.js';
export * from './zoom-responses.js';
