// oxlint-disable-next-line import/no-unassigned-import -- decorator metadata polyfill, loaded for its effect
import 'reflect-metadata';
import { errorMessage } from '../common/errors/error-message.js';
import { ConfigError } from '../config/app-config.js';
import { COMMANDS } from './commands.js';

/** `npm run cli -- <command> [options]`: operator commands against the configured database and Zoom. */
async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = COMMANDS.find((c) => c.name === name);
  if (!command || name === 'help' || name === '--help') {
    console.log('Usage: npm run cli -- <command> [options]\n\nCommands:');
    for (const c of COMMANDS) console.log(`  ${c.name.padEnd(16)} ${c.summary}`);
    return name && name !== 'help' && name !== '--help' ? 64 : 0;
  }
  return command.run(args);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`zoom-gateway: ${errorMessage(error)}`);
    process.exit(error instanceof ConfigError ? 78 : 1);
  },
);
