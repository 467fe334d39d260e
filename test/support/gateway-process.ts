import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';

const MAIN = resolve('dist/src/main.js');
/** The built operator CLI (`npm run cli`, `npm run doctor`). */
export const CLI = resolve('dist/src/cli/main.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built CLI run to its end as an operator runs it, with only `env` (and PATH): exit code and both streams. */
export async function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  return { code, stdout, stderr };
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (!address || typeof address === 'string') {
        server.close();
        fail(new Error('the probe server is not listening on a TCP port'));
        return;
      }
      server.close(() => done(address.port));
    });
  });
}

export interface GatewayProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM and wait for exit (SIGKILL after the deadline). */
  stop(): Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  exited: Promise<number | null>;
}

/**
 * Starts the built gateway (`npm run build` first) as a real process and waits for
 * /health/live. Every e2e test talks to it over real HTTP, as a user would.
 */
export async function startGateway(
  env: Record<string, string | undefined>,
  options: { waitForReady?: boolean; timeoutMs?: number; cwd?: string } = {},
): Promise<GatewayProcess> {
  if (!existsSync(MAIN))
    throw new Error('dist/src/main.js is missing: run `npm run build` before the e2e tests');
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const dataDir = 'DATA_DIR' in env ? env.DATA_DIR : mkdtempSync(join(tmpdir(), 'zg-e2e-'));
  const merged: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    DATABASE_URL: dataDir ? `sqlite:${join(dataDir, 'gateway.sqlite')}` : undefined,
    // No drain after SIGTERM (its 5 s default is for orchestrators); a test about it sets one.
    SHUTDOWN_DRAIN_MS: '0',
    ...env,
    PORT: String(port),
  };
  // A variable given as undefined is left out, so a test can run on the true defaults.
  const childEnv = Object.fromEntries(
    Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const child = spawn(process.execPath, [MAIN], {
    cwd: options.cwd ?? process.cwd(),
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const url = `http://127.0.0.1:${port}`;
  const gateway: GatewayProcess = {
    url,
    port,
    child,
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
  if (options.waitForReady === false) return gateway;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`gateway exited with ${child.exitCode} before it was live:\n${output}`);
    }
    try {
      const response = await fetch(`${url}/health/live`);
      if (response.ok) return gateway;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await gateway.kill();
  throw new Error(
    `gateway did not become live within ${options.timeoutMs ?? 30_000} ms:\n${output}`,
  );
}

/**
 * A parsed JSON body checked against the shape a test relies on (rather than asserted to have it):
 * a body of another shape fails the test, quoting the body.
 */
export function bodyOf<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success)
    throw new Error(`unexpected body ${JSON.stringify(body)}: ${result.error.message}`);
  return result.data;
}

/** A fetch Response's JSON body, checked against `schema` (see bodyOf). */
export async function json<T>(response: Response, schema: z.ZodType<T>): Promise<T> {
  const body: unknown = await response.json();
  return bodyOf(schema, body);
}

/** The API key the embedded default generated into DATA_DIR. */
export function generatedApiKey(dataDir: string): string {
  return readFileSync(join(dataDir, 'api-key'), 'utf8').trim();
}
