import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The console's pages: only what the gateway itself serves, never framed. */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
});

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

export interface ConsoleAsset {
  body: Buffer;
  type: string;
  cacheControl: string;
}

/**
 * The console's built files (`npm run build:console` into dist/console): beside the compiled
 * gateway (dist/src/console → dist/console), or under the working directory's dist/.
 */
export function consoleAssetsDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '../../console'), resolve(process.cwd(), 'dist/console')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

/** One built file by name: the page (never cached) or a hashed asset (cached for a year). */
export async function readConsoleAsset(
  dir: string,
  name: string,
): Promise<ConsoleAsset | undefined> {
  if (!/^[\w.-]+$/.test(name) || name.startsWith('.')) return undefined;
  const path = name === 'index.html' ? join(dir, name) : join(dir, 'assets', name);
  const type = TYPES[extname(name)];
  if (!type) return undefined;
  try {
    const body = await readFile(path);
    const cacheControl = name === 'index.html' ? 'no-cache' : 'public, max-age=31536000, immutable';
    return { body, type, cacheControl };
  } catch {
    return undefined;
  }
}
