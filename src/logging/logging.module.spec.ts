import { createRequire } from 'node:module';
import { LoggingModule, prettyTransport } from './logging.module.js';

describe(LoggingModule.name, () => {
  it('writes JSON when stdout is not a terminal, without loading pino-pretty', async () => {
    await expect(Promise.resolve(prettyTransport({ isTTY: false }))).resolves.toBeUndefined();
    await expect(Promise.resolve(prettyTransport({}))).resolves.toBeUndefined();
  });

  it('writes readable lines through pino-pretty at a terminal', async () => {
    const transport = prettyTransport({ isTTY: true });
    await expect(Promise.resolve(transport?.target)).resolves.toBe('pino-pretty');
    const resolvable = () => createRequire(import.meta.url).resolve(transport!.target);
    await expect(Promise.resolve().then(resolvable)).resolves.toContain('pino-pretty');
  });
});
