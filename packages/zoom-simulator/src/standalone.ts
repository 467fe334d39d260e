// `npm run simulator`: the Zoom simulator as its own process.
import {
  SIM_DEFAULTS,
  ZoomSimulator,
  type RateLimitPlan,
  type ZoomSimulatorOptions,
} from './zoom-simulator.js';

const env = process.env;

function intFromEnv(name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) {
    console.error(`zoom-simulator: ${name} must be a non-negative integer (got "${raw}")`);
    process.exit(2);
  }
  return Number(raw);
}

function planFromEnv(raw: string | undefined): RateLimitPlan {
  const plan = raw || 'pro';
  if (plan !== 'free' && plan !== 'pro' && plan !== 'business') {
    console.error(
      `zoom-simulator: ZOOM_SIMULATOR_PLAN must be free, pro or business (got "${plan}")`,
    );
    process.exit(2);
  }
  return plan;
}

const flag = (raw: string | undefined, fallback: boolean) =>
  raw === undefined || raw === ''
    ? fallback
    : !['0', 'false', 'off', 'no'].includes(raw.toLowerCase());

const port = intFromEnv('ZOOM_SIMULATOR_PORT', 9090);
const host = env.ZOOM_SIMULATOR_HOST || '127.0.0.1';
const accountId = env.ZOOM_SIMULATOR_ACCOUNT_ID || SIM_DEFAULTS.accountId;
const clientId = env.ZOOM_SIMULATOR_CLIENT_ID || SIM_DEFAULTS.clientId;
const clientSecret = env.ZOOM_SIMULATOR_CLIENT_SECRET || SIM_DEFAULTS.clientSecret;

const options: ZoomSimulatorOptions = {
  accountId,
  clientId,
  clientSecret,
  appId: env.ZOOM_SIMULATOR_APP_ID || SIM_DEFAULTS.appId,
  tokenLifetimeSeconds: intFromEnv('ZOOM_SIMULATOR_TOKEN_LIFETIME', 3600),
  controlRoutes: flag(env.ZOOM_SIMULATOR_CONTROL, true),
  plan: planFromEnv(env.ZOOM_SIMULATOR_PLAN),
  rateLimits: flag(env.ZOOM_SIMULATOR_RATE_LIMITS, true),
  // `X-RateLimit-*` on answers (on by default, as Zoom documents; off, as some captured answers are).
  rateLimitHeaders: flag(env.ZOOM_SIMULATOR_RATE_LIMIT_HEADERS, true) ? 'all' : 'none',
  stateFile: env.ZOOM_SIMULATOR_STATE_FILE || undefined,
};
if (env.ZOOM_SIMULATOR_WEBHOOK_URL) {
  if (!env.ZOOM_SIMULATOR_WEBHOOK_SECRET_TOKEN) {
    console.error(
      'zoom-simulator: ZOOM_SIMULATOR_WEBHOOK_URL needs ZOOM_SIMULATOR_WEBHOOK_SECRET_TOKEN',
    );
    process.exit(2);
  }
  options.webhook = {
    url: env.ZOOM_SIMULATOR_WEBHOOK_URL,
    secretToken: env.ZOOM_SIMULATOR_WEBHOOK_SECRET_TOKEN,
  };
}

const simulator = new ZoomSimulator(options);
const baseUrl = await simulator.listen(port, host);

// The secret is printed only when it is the documented default; a chosen one is never echoed.
const secretLine =
  clientSecret === SIM_DEFAULTS.clientSecret
    ? `ZOOM_CLIENT_SECRET=${clientSecret}`
    : 'ZOOM_CLIENT_SECRET=<the value of ZOOM_SIMULATOR_CLIENT_SECRET>';
console.log(`zoom-simulator listening on ${baseUrl}`);
console.log(
  [
    'A gateway uses it with:',
    `  ZOOM_OAUTH_BASE_URL=${simulator.baseUrl}`,
    `  ZOOM_API_BASE_URL=${simulator.apiBaseUrl}`,
    `  ZOOM_ACCOUNT_ID=${accountId}`,
    `  ZOOM_CLIENT_ID=${clientId}`,
    `  ${secretLine}`,
    `  ZOOM_APP_ID=${options.appId}`,
    options.controlRoutes ? `Control routes: ${baseUrl}/__simulator/{stats,reset,control}` : '',
    options.webhook ? `Webhooks to ${options.webhook.url}` : '',
  ]
    .filter(Boolean)
    .join('\n'),
);

let closing = false;
const shutdown = (signal: string) => {
  if (closing) return;
  closing = true;
  console.log(`zoom-simulator: ${signal}, closing`);
  void simulator.close().then(() => process.exit(0));
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
