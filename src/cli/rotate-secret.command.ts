import { userInfo } from 'node:os';
import { DomainError } from '../common/errors/index.js';
import { CredentialRotationService } from '../zoom/rotation/credential-rotation.service.js';
import type { CliCommand } from './cli-command.js';
import { resolve, withAppContext } from './cli-context.js';

const USAGE =
  'Usage: npm run cli -- rotate-secret [--client-id <id>]\n' +
  '  The new client secret is read from stdin (e.g. `pass zoom/secret | npm run cli -- rotate-secret`)\n' +
  '  or from a hidden prompt; never from the command line, where shell history and ps would keep it.';

const SECRET_FORMAT = /^[\x21-\x7e]{8,256}$/;
const CLIENT_ID_FORMAT = /^[A-Za-z0-9._-]{1,128}$/;

export function parseRotateSecretArgs(args: string[]): { clientId?: string } | { error: string } {
  let clientId: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--client-id' && i + 1 < args.length) {
      clientId = args[++i];
    } else if (arg.startsWith('--client-id=')) {
      clientId = arg.slice('--client-id='.length);
    } else {
      // Whatever it is, do not repeat it: it may be the secret itself.
      return {
        error:
          'rotate-secret takes only --client-id; the secret is read from stdin or a prompt, never from arguments.',
      };
    }
  }
  if (clientId !== undefined && !CLIENT_ID_FORMAT.test(clientId)) {
    return { error: '--client-id must be 1-128 letters, digits, dot, underscore or hyphen.' };
  }
  return { clientId };
}

async function readPiped(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0].trim();
}

/** A prompt that echoes nothing, not even stars. */
function readHidden(prompt: string): Promise<string> {
  return new Promise((done, fail) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const finish = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) fail(error);
      else done(value.trim());
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish();
        if (char === '\u0003') return finish(new Error('Cancelled; nothing changed.'));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    stdin.on('data', onData);
  });
}

/**
 * `cli rotate-secret [--client-id X]`: the same as `POST /api/admin/zoom/credentials`, against the
 * configured database: stage, validate with Zoom, activate, announce to running replicas (Redis).
 */
export const rotateSecretCommand: CliCommand = {
  name: 'rotate-secret',
  summary:
    'rotate-secret [--client-id X]: validate a new client secret (stdin or hidden prompt) and activate it fleet-wide',
  async run(args) {
    const parsed = parseRotateSecretArgs(args);
    if ('error' in parsed) {
      console.error(`${parsed.error}\n${USAGE}`);
      return 64;
    }
    const secret = process.stdin.isTTY
      ? await readHidden('New Zoom client secret (input hidden): ')
      : await readPiped();
    if (!SECRET_FORMAT.test(secret)) {
      console.error(
        'The secret must be 8-256 printable characters without spaces; nothing changed.',
      );
      return 65;
    }
    const actor = `cli:${safeUser()}`;
    try {
      const result = await withAppContext(
        (app) =>
          resolve(app, CredentialRotationService).rotate({
            clientSecret: secret,
            clientId: parsed.clientId,
            actor,
            source: 'cli',
          }),
        { requireZoom: false },
      );
      console.log(
        result.changed
          ? `Version ${result.version} (fingerprint ${result.fingerprint}, client id ${result.clientId}) is active since ${result.activatedAt}; running replicas were told.`
          : `That secret already is the active version ${result.version} (fingerprint ${result.fingerprint}); nothing changed.`,
      );
      return 0;
    } catch (error) {
      if (error instanceof DomainError) {
        const what =
          error.status === 422 ? 'Zoom refused the new secret' : 'The secret was not rotated';
        console.error(
          `${what}: ${error.message}${error.status === 422 ? ' Nothing changed.' : ''}`,
        );
        return error.status === 422 ? 65 : 69;
      }
      throw error;
    }
  },
};

function safeUser(): string {
  try {
    return (
      userInfo()
        .username.replace(/[^A-Za-z0-9._-]/g, '')
        .slice(0, 48) || 'unknown'
    );
  } catch {
    return 'unknown';
  }
}
