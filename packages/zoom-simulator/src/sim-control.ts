// The control surface tests and benchmarks drive: `simulator.control` in process, and the same
// actions over HTTP at `/__simulator/{stats,reset,control}` when `controlRoutes` is on.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimCore } from './sim-core.js';
import { send } from './sim-http.js';
import { isPlainObject } from './sim-meeting-input.js';
import { resetCounters } from './sim-stats.js';
import type { ResetOptions, SimulatorControl } from './sim-types.js';
import { API_ERRORS } from './zoom-responses.js';

export function buildControl(core: SimCore): SimulatorControl {
  const { oauth, rates, faults, users, meetings, webhooks } = core;
  return {
    stats: () => ({
      ...structuredClone(core.counters),
      liveTokens: oauth.liveTokenCount(),
      meetings: meetings.size,
      rateLimitedBy: rates.limited(),
      webhookDeliveries: webhooks.list().filter((d) => d.delivered).length,
      webhookFailures: webhooks.list().filter((d) => !d.delivered && d.attempts > 0).length,
    }),
    reset: (options = {}) => {
      resetCounters(core.counters);
      faults.reset();
      oauth.tokenRetryAfter = null;
      oauth.refused = false;
      rates.limiter.reset();
      webhooks.clearHistory();
      core.requestLog.clear();
      core.files.clearUploads();
      if (options.credentials) oauth.resetCredentials();
      if (options.meetings) meetings.clear();
      if (options.tokens) oauth.forgetTokens();
      if (options.modes) core.applyModes();
    },
    setTokenModel: (model) => oauth.setTokenModel(model),
    setTokenLifetime: (seconds) => oauth.setTokenLifetime(seconds),
    setRefused: (refused) => {
      oauth.refused = refused;
    },
    invalidateLiveTokens: () => oauth.invalidateLiveTokens(),
    setTokenLatency: (ms) => {
      faults.tokenLatencyMs = Math.max(0, ms);
    },
    setApiLatency: (ms) => {
      faults.apiLatencyMs = Math.max(0, ms);
    },
    failNext: (n, opts = {}) => faults.failNext(n, opts),
    dropNext: (n, opts = {}) => faults.dropNext(n, opts),
    setTokenEndpointRateLimited: (retryAfterSeconds) => {
      oauth.tokenRetryAfter = retryAfterSeconds;
    },
    setPlan: (plan) => {
      rates.plan = plan;
    },
    setRateLimits: (enabled) => {
      rates.enabled = enabled;
    },
    setDailyMeetingLimit: (limit) => rates.setScopedDailyLimits({ host_user: limit }),
    setDailyLimits: (limits) => rates.setDailyLimits(limits),
    setScopedDailyLimits: (limits) => rates.setScopedDailyLimits(limits),
    rateLimits: () => rates.report(),
    setScopes: (scopes) => {
      oauth.scopes = [...scopes];
    },
    addUser: (user) => {
      const added = users.add(user);
      core.state.scheduleSave();
      return added;
    },
    regenerateSecret: () => oauth.regenerateSecret(),
    revokeOldSecret: () => oauth.revokeOldSecret(),
    currentSecrets: () => oauth.acceptedSecrets().map((s) => s.value),
    deleteMeetingOutOfBand: (meetingId) => meetings.deleteOutOfBand(meetingId),
    createMeetingOutOfBand: (userId, body = {}) => meetings.createOutOfBand(userId, body),
    getMeeting: (meetingId) => {
      const record = meetings.find(meetingId);
      return record ? structuredClone(record.meeting) : undefined;
    },
    setWebhook: (webhook) => webhooks.configure(webhook),
    webhookDeliveries: () => webhooks.list(),
    webhookAttempts: () => webhooks.attempts(),
    setRateLimitHeaders: (mode) => {
      if (mode !== 'all' && mode !== 'none') throw new Error(`unknown mode: ${String(mode)}`);
      rates.headers = mode;
    },
    requests: () => core.requestLog.list(),
    uploads: () => core.files.uploads(),
    setPhoneRecording: (options) => {
      if (options.bytes !== undefined && !(Number.isInteger(options.bytes) && options.bytes >= 0)) {
        throw new Error('bytes must be an integer >= 0');
      }
      core.files.recording = { ...core.files.recording, ...options };
    },
  };
}

/** `GET /__simulator/stats`, `POST /__simulator/reset` `{credentials?, meetings?, tokens?, modes?}`,
 * `POST /__simulator/control` `{action, args}` (any control method by name). */
export async function handleControlRoute(
  control: SimulatorControl,
  req: IncomingMessage,
  res: ServerResponse,
  action: string,
  body: Buffer,
): Promise<void> {
  try {
    if (action === 'stats' && req.method === 'GET') return send(res, 200, control.stats());
    if (action === 'reset' && req.method === 'POST') {
      const parsed: unknown = body.length > 0 ? JSON.parse(body.toString('utf8')) : {};
      const options: ResetOptions = {};
      if (isPlainObject(parsed)) {
        for (const key of ['credentials', 'meetings', 'tokens', 'modes'] as const) {
          if (parsed[key] === true) options[key] = true;
        }
      }
      control.reset(options);
      return send(res, 200, { ok: true });
    }
    if (action === 'control' && req.method === 'POST') {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      const name = isPlainObject(parsed) ? parsed.action : undefined;
      const args: unknown[] =
        isPlainObject(parsed) && Array.isArray(parsed.args) ? [...parsed.args] : [];
      const fn: unknown =
        typeof name === 'string' && Object.hasOwn(control, name)
          ? Reflect.get(control, name)
          : undefined;
      if (typeof fn !== 'function') {
        return send(res, 400, { error: `unknown action: ${String(name)}` });
      }
      const result: unknown = await Promise.resolve(Reflect.apply(fn, control, args));
      return send(res, 200, result ?? null);
    }
    return send(res, 404, API_ERRORS.notFound);
  } catch (error) {
    return send(res, 400, { error: error instanceof Error ? error.message : String(error) });
  }
}
