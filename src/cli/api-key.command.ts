import { ApiKeyLifecycleService, type ApiKeyView } from '../auth/api-key-lifecycle.service.js';
import {
  parseCreateKey,
  parseKeyName,
  parseRotateKey,
  parseUpdateKey,
} from '../auth/api-keys.validation.js';
import { DomainError } from '../common/errors/index.js';
import type { CliCommand } from './cli-command.js';
import { cliActor, resolve, withAppContext } from './cli-context.js';

const USAGE = `Usage: npm run cli -- api-key <action> ...
  create <name> [--grants "meetings=rw;users=r;ownership=own"] [--expires-at <ISO time>] [--admin]
  list [--json]
  rotate <name> [--overlap-seconds <n>] [--expires-at <ISO time>]
  update <name> [--grants "..."] [--expires-at <ISO time>|never]
  revoke <name>
Keys are printed once (create, rotate) and stored as SHA-256 only. Every replica follows within 2 s.`;

/** `--flag value` pairs and bare `--flags` after the positional arguments. */
export function parseFlags(
  args: string[],
  valued: readonly string[],
  bare: readonly string[],
): { positional: string[]; flags: Map<string, string | true> } {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (name !== undefined && bare.includes(name) && inline === undefined) flags.set(name, true);
    else if (name !== undefined && valued.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      flags.set(name, value);
    } else throw new UsageError(`unknown option ${arg}`);
  }
  return { positional, flags };
}

class UsageError extends Error {}

const text = (value: string | true | undefined) => (typeof value === 'string' ? value : undefined);

function table(keys: ApiKeyView[]): string {
  const rows = keys.map((k) => [
    k.name,
    k.source,
    k.grants,
    k.revokedAt ? `revoked ${k.revokedAt}` : k.expiresAt ? `expires ${k.expiresAt}` : 'active',
    `${k.keys.length} key(s)`,
    k.lastUsedAt ? `last used ${k.lastUsedAt}` : 'never used',
  ]);
  const widths = rows.reduce(
    (w, row) => row.map((cell, i) => Math.max(cell.length, w[i] ?? 0)),
    [] as number[],
  );
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}

/** `cli api-key create|list|rotate|update|revoke`: the admin API's key lifecycle, for operators. */
export const apiKeyCommand: CliCommand = {
  name: 'api-key',
  summary: 'api-key create|list|rotate|update|revoke: API keys for internal apps (see --help)',
  async run(args) {
    const [action, ...rest] = args;
    let run: (lifecycle: ApiKeyLifecycleService) => Promise<string>;
    try {
      const { positional, flags } = parseFlags(
        rest,
        ['grants', 'expires-at', 'overlap-seconds'],
        ['admin', 'json'],
      );
      const now = Date.now();
      const name = () => parseKeyName(positional[0]);
      if (action === 'create') {
        const grants =
          text(flags.get('grants')) ??
          (flags.has('admin') ? '*=rw;ownership=all;admin' : undefined);
        const input = parseCreateKey(
          { name: positional[0], grants, expiresAt: text(flags.get('expires-at')) },
          now,
        );
        run = async (l) => (await l.create(cliActor(), input)).key;
      } else if (action === 'list') {
        run = async (l) => {
          const keys = await l.list();
          return flags.has('json') ? JSON.stringify(keys, null, 2) : table(keys);
        };
      } else if (action === 'rotate') {
        const overlap = text(flags.get('overlap-seconds'));
        const input = parseRotateKey(
          {
            overlapSeconds: overlap === undefined ? undefined : Number(overlap),
            expiresAt: text(flags.get('expires-at')),
          },
          now,
        );
        const target = name();
        run = async (l) => (await l.rotate(cliActor(), target, input)).key;
      } else if (action === 'update') {
        const expires = text(flags.get('expires-at'));
        const input = parseUpdateKey(
          {
            grants: text(flags.get('grants')),
            expiresAt: expires === 'never' ? null : expires,
          },
          now,
        );
        const target = name();
        run = async (l) => `${target}: ${(await l.update(cliActor(), target, input)).grants}`;
      } else if (action === 'revoke') {
        const target = name();
        run = async (l) => {
          await l.revoke(cliActor(), target);
          return `${target}: revoked`;
        };
      } else throw new UsageError(action ? `unknown action ${action}` : 'no action given');
    } catch (error) {
      if (!(error instanceof UsageError || error instanceof DomainError)) throw error;
      console.error(`${error.message}\n\n${USAGE}`);
      return 64;
    }
    try {
      console.log(
        await withAppContext((app) => run(resolve(app, ApiKeyLifecycleService)), {
          requireZoom: false,
        }),
      );
      return 0;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      console.error(`zoom-gateway: ${error.message}`);
      return error.status === 404 ? 66 : 65;
    }
  },
};
