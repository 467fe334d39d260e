import { parseRotateSecretArgs, rotateSecretCommand } from './rotate-secret.command.js';

describe('rotateSecretCommand', () => {
  it('accepts --client-id in both spellings', async () => {
    await expect(Promise.resolve(parseRotateSecretArgs(['--client-id', 'abc_1']))).resolves.toEqual(
      { clientId: 'abc_1' },
    );
    await expect(Promise.resolve(parseRotateSecretArgs(['--client-id=abc.2']))).resolves.toEqual({
      clientId: 'abc.2',
    });
    await expect(Promise.resolve(parseRotateSecretArgs([]))).resolves.toEqual({
      clientId: undefined,
    });
  });

  it('refuses a secret on the command line without repeating it', async () => {
    const parsed = parseRotateSecretArgs(['s3cret-on-argv-value']);
    await expect(Promise.resolve(parsed)).resolves.toHaveProperty('error');
    await expect(Promise.resolve(JSON.stringify(parsed))).resolves.not.toContain(
      's3cret-on-argv-value',
    );
    await expect(Promise.resolve(parseRotateSecretArgs(['--secret', 'x']))).resolves.toHaveProperty(
      'error',
    );
  });

  it('refuses a malformed client id', async () => {
    await expect(
      Promise.resolve(parseRotateSecretArgs(['--client-id', 'has space'])),
    ).resolves.toHaveProperty('error');
  });

  it('exits 64 on bad arguments before reading anything', async () => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args.join(' '));
    try {
      await expect(rotateSecretCommand.run(['leaked-secret-value'])).resolves.toBe(64);
    } finally {
      console.error = original;
    }
    await expect(Promise.resolve(errors.join('\n'))).resolves.not.toContain('leaked-secret-value');
  });
});
