import { parseRotateSecretArgs, rotateSecretCommand } from './rotate-secret.command.js';

describe('rotateSecretCommand', () => {
  it('accepts --client-id in both spellings', () => {
    expect(parseRotateSecretArgs(['--client-id', 'abc_1'])).toEqual({ clientId: 'abc_1' });
    expect(parseRotateSecretArgs(['--client-id=abc.2'])).toEqual({
      clientId: 'abc.2',
    });
    expect(parseRotateSecretArgs([])).toEqual({
      clientId: undefined,
    });
  });

  it('refuses a secret on the command line without repeating it', () => {
    const parsed = parseRotateSecretArgs(['s3cret-on-argv-value']);
    expect(parsed).toHaveProperty('error');
    expect(JSON.stringify(parsed)).not.toContain('s3cret-on-argv-value');
    expect(parseRotateSecretArgs(['--secret', 'x'])).toHaveProperty('error');
  });

  it('refuses a malformed client id', () => {
    expect(parseRotateSecretArgs(['--client-id', 'has space'])).toHaveProperty('error');
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
    expect(errors.join('\n')).not.toContain('leaked-secret-value');
  });
});
