import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/support/gateway-process.js';
import { readJson, SimulatorStats, TokenResponse } from './json.js';
import { sleep } from './progress.js';
import { tokenRequest } from './token-request.js';

// tsconfig.bench.json compiles the gateway and the bench together into dist-bench/ (the same tsc
// and options as `npm run build`), so a run never depends on, or races with, dist/. The simulator
// and the route table are their own packages, built by `npm run build:packages` first.
const BUILD_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GATEWAY_MAIN = join(BUILD_ROOT, 'src/main.js');
/** bench/gateway-entry.ts: the same gateway with the governor's plan limits lifted. */
const GATEWAY_LIMITS_LIFTED = join(BUILD_ROOT, 'bench/gateway-entry.js');
const SIMULATOR_MAIN = fileURLToPath(
  new URL('../../../packages/zoom-simulator/dist/standalone.js', import.meta.url),
);
/** bench/bare-proxy.ts: node:http in, undici out, an API-key check and a cached bearer. */
const BARE_PROXY_MAIN = join(BUILD_ROOT, 'bench/bare-proxy.js');
/** bench/nest-proxy.ts: the same forwarding in a minimal Nest application on Fastify. */
const NEST_PROXY_MAIN = join(BUILD_ROOT, 'bench/nest-proxy.js');
/** Child output goes to files here (git-ignored), never through the bench's own event loop. */
export const LOG_DIR = resolve('bench/results/tmp/logs');

export const SIM_CREDENTIALS = {
  accountId: 'bench-account',
  clientId: 'bench-client',
  clientSecret: 'bench-client-secret-0123456789',
} as const;

/** Resident set size of a process in MB (Linux /proc, `ps` elsewhere). */
export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    if (Number.isFinite(kb)) return kb / 1024;
  } catch {
    // not Linux
  }
  const kb = Number(
    execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim(),
  );
  return kb / 1024;
}

let clockTicks: number | undefined;

/**
 * CPU time (user + system) a process has used, in seconds, from /proc/<pid>/stat; NaN where
 * there is no /proc. Unlike throughput, CPU per request hardly depends on what else the machine runs.
 */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return Number.NaN;
  }
}

/** Every process the bench started and has not stopped yet, so an interrupted run leaves none behind. */
const running = new Set<ChildProcess>();

export function killAllChildren(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

interface Child {
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

function spawnLogged(
  name: string,
  script: string,
  env: Record<string, string>,
  execArgv: string[] = [],
): Child {
  if (!existsSync(script))
    throw new Error(
      `${script} is missing: compile with \`tsc -p tsconfig.bench.json\` (npm run bench does)`,
    );
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = join(LOG_DIR, `${name}.log`);
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, [...execArgv, script], { env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  running.add(child);
  const exited = new Promise<number | null>((done) =>
    child.once('exit', (code) => {
      running.delete(child);
      done(code);
    }),
  );
  return {
    child,
    logFile,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '';
  }
}

// ------------------------------------------------------------------ simulator

export interface SimulatorProcess {
  /** OAuth base; the API is `${url}/v2`. */
  url: string;
  pid: number;
  control(action: string, ...args: unknown[]): Promise<unknown>;
  stats(): Promise<{
    tokensMinted: number;
    tokenRequests: number;
    apiCalls: number;
    rateLimited: number;
  }>;
  reset(options?: { tokens?: boolean; meetings?: boolean }): Promise<void>;
  /** A token minted straight from the simulator's token endpoint (counts as one mint). */
  mintToken(): Promise<{ accessToken: string; expiresIn: number }>;
  stop(): Promise<void>;
}

/**
 * The simulator runs as its own process (the built standalone), so the load generator in the
 * bench process and the simulator never share an event loop; it is driven through its control routes.
 */
export async function startSimulator(
  name = 'simulator',
  env: Record<string, string> = {},
): Promise<SimulatorProcess> {
  const port = await freePort();
  const proc = spawnLogged(name, SIMULATOR_MAIN, {
    PATH: process.env.PATH ?? '',
    ZOOM_SIMULATOR_PORT: String(port),
    ZOOM_SIMULATOR_ACCOUNT_ID: SIM_CREDENTIALS.accountId,
    ZOOM_SIMULATOR_CLIENT_ID: SIM_CREDENTIALS.clientId,
    ZOOM_SIMULATOR_CLIENT_SECRET: SIM_CREDENTIALS.clientSecret,
    ZOOM_SIMULATOR_CONTROL: 'on',
    // The gateway's own governor is what paces Zoom calls; the simulator's limits would only
    // measure Zoom's limits, not the gateway.
    ZOOM_SIMULATOR_RATE_LIMITS: 'off',
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/__simulator/stats`, proc, 15_000);
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${url}/__simulator/${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`simulator ${path}: ${response.status} ${text}`);
    const parsed: unknown = text ? JSON.parse(text) : null;
    return parsed;
  };
  return {
    url,
    pid: proc.child.pid!,
    control: (action, ...args) => post('control', { action, args }),
    async stats() {
      const response = await fetch(`${url}/__simulator/stats`);
      return readJson(response, SimulatorStats);
    },
    async reset(options = {}) {
      await post('reset', options);
    },
    mintToken: () => mintSimulatorToken(url),
    stop: () => proc.stop(),
  };
}

// ------------------------------------------------------------------ gateway

export interface GatewayOptions {
  simulatorUrl: string;
  databaseUrl: string;
  redisUrl?: string;
  redisKeyPrefix?: string;
  encryptionKey: string;
  apiKey: string;
  /**
   * `shipped`: src/main.ts exactly as built. `limits-lifted`: the same gateway with the
   * governor pacing to 1,000,000 calls/s per category instead of the plan's 30-80 (see gateway-entry.ts).
   */
  entry?: 'shipped' | 'limits-lifted';
  env?: Record<string, string>;
  /** extra node flags, e.g. --cpu-prof */
  execArgv?: string[];
}

export interface ServerProcess {
  name: string;
  url: string;
  pid: number;
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/**
 * The bare proxy (bench/bare-proxy.ts) as its own process, in front of the simulator, with one
 * token minted at start-up and callers admitted by `Authorization: Bearer <apiKey>`. With
 * `recordsDatabaseUrl` (a gateway's migrated PostgreSQL database), each meeting create also makes
 * the gateway's record writes there (bench/lib/meeting-records.ts): the floor for a create.
 */
export function startBareProxy(
  name: string,
  simulatorUrl: string,
  apiKey: string,
  options: { recordsDatabaseUrl?: string } = {},
): Promise<ServerProcess> {
  return startProxyProcess(
    name,
    BARE_PROXY_MAIN,
    simulatorUrl,
    apiKey,
    options.recordsDatabaseUrl ? { PROXY_RECORDS_DATABASE_URL: options.recordsDatabaseUrl } : {},
  );
}

/** The bare proxy's forwarding inside a minimal Nest application on Fastify (bench/nest-proxy.ts). */
export function startNestProxy(
  name: string,
  simulatorUrl: string,
  apiKey: string,
): Promise<ServerProcess> {
  return startProxyProcess(name, NEST_PROXY_MAIN, simulatorUrl, apiKey);
}

async function startProxyProcess(
  name: string,
  script: string,
  simulatorUrl: string,
  apiKey: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const proc = spawnLogged(name, script, {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    PROXY_PORT: String(port),
    PROXY_OAUTH_BASE_URL: simulatorUrl,
    PROXY_API_BASE_URL: `${simulatorUrl}/v2`,
    PROXY_API_KEY: apiKey,
    PROXY_ACCOUNT_ID: SIM_CREDENTIALS.accountId,
    PROXY_CLIENT_ID: SIM_CREDENTIALS.clientId,
    PROXY_CLIENT_SECRET: SIM_CREDENTIALS.clientSecret,
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/__proxy/health`, proc, 15_000);
  const pid = proc.child.pid!;
  return { name, url, pid, cpuSeconds: () => cpuSeconds(pid), stop: () => proc.stop() };
}

export interface GatewayProcess {
  name: string;
  url: string;
  pid: number;
  /** From spawn to the first 200 of /health/live, and of /health/ready. */
  liveMs: number;
  readyMs: number;
  rssMb(): number;
  cpuSeconds(): number;
  stop(): Promise<void>;
}

async function waitFor(url: string, proc: Child, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) {
      throw new Error(
        `process exited with ${proc.child.exitCode} before ${url} answered:\n${tail(proc.logFile)}`,
      );
    }
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(10);
  }
  await proc.stop();
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${tail(proc.logFile)}`);
}

export function benchApiKey(): string {
  return `bench-${randomBytes(16).toString('hex')}`;
}

/** Starts the built gateway (src/main.ts compiled into dist-bench/) as a real process in production shape. */
export async function startGateway(name: string, options: GatewayOptions): Promise<GatewayProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'zg-bench-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    PORT: String(port),
    NODE_ENV: 'production',
    DATA_DIR: dataDir,
    DATABASE_URL: options.databaseUrl,
    ENCRYPTION_KEY: options.encryptionKey,
    ZOOM_ACCOUNT_ID: SIM_CREDENTIALS.accountId,
    ZOOM_CLIENT_ID: SIM_CREDENTIALS.clientId,
    ZOOM_CLIENT_SECRET: SIM_CREDENTIALS.clientSecret,
    ZOOM_OAUTH_BASE_URL: options.simulatorUrl,
    ZOOM_API_BASE_URL: `${options.simulatorUrl}/v2`,
    // users=r: the pass-through route the bench measures (GET /v2/users/me) is in the users area.
    API_KEYS: `bench[meetings=rw;users=r]:${options.apiKey}`,
    REPLICA_ID: name,
    LOG_LEVEL: 'info',
    // A bench stops its gateways with SIGTERM: no readiness to drain for, so no 5 s wait each.
    SHUTDOWN_DRAIN_MS: '0',
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...(options.redisKeyPrefix ? { REDIS_KEY_PREFIX: options.redisKeyPrefix } : {}),
    ...options.env,
  };
  const started = performance.now();
  const proc = spawnLogged(
    name,
    options.entry === 'limits-lifted' ? GATEWAY_LIMITS_LIFTED : GATEWAY_MAIN,
    env,
    options.execArgv,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/health/live`, proc, 60_000);
  const liveMs = performance.now() - started;
  await waitFor(`${url}/health/ready`, proc, 60_000);
  const readyMs = performance.now() - started;
  const pid = proc.child.pid!;
  return {
    name,
    url,
    pid,
    liveMs,
    readyMs,
    rssMb: () => rssMb(pid),
    cpuSeconds: () => cpuSeconds(pid),
    stop: () => proc.stop(),
  };
}

/** One raw S2S token request to the simulator with its default credentials, as any Zoom client makes it. */
export async function mintSimulatorToken(
  url: string,
): Promise<{ accessToken: string; expiresIn: number }> {
  const response = await fetch(`${url}/oauth/token`, tokenRequest(SIM_CREDENTIALS));
  if (!response.ok) throw new Error(`token endpoint answered ${response.status}`);
  const body = await readJson(response, TokenResponse);
  return { accessToken: body.access_token, expiresIn: body.expires_in };
}
