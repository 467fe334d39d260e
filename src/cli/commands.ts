import type { CliCommand } from './cli-command.js';
import { apiKeyCommand } from './api-key.command.js';
import { doctorCommand } from './doctor.command.js';
import { limitsCommand } from './limits.command.js';
import { rotateSecretCommand } from './rotate-secret.command.js';

/** Every CLI command; each lives in its own file. */
export const COMMANDS: CliCommand[] = [
  apiKeyCommand,
  doctorCommand,
  limitsCommand,
  rotateSecretCommand,
];
