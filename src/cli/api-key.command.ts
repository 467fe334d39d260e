import { ApiKeyService } from '../auth/api-key.service.js';
import type { CliCommand } from './cli-command.js';
import { resolve, withAppContext } from './cli-context.js';

/** `cli api-key create <name> [--admin]`: prints a new key once; only its hash is stored. */
export const apiKeyCommand: CliCommand = {
  name: 'api-key',
  summary: 'api-key create <name> [--admin]: create an API key (printed once, stored as a hash)',
  async run(args) {
    const [action, name] = args;
    if (action !== 'create' || !name || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
      console.error('Usage: npm run cli -- api-key create <name> [--admin]');
      return 64;
    }
    const key = await withAppContext(
      (app) => resolve(app, ApiKeyService).create(name, args.includes('--admin')),
      {
        requireZoom: false,
      },
    );
    console.log(key);
    return 0;
  },
};
