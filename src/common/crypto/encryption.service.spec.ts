import { randomBytes } from 'node:crypto';
import { EncryptionService, fingerprint } from './encryption.service.js';

describe(EncryptionService.name, () => {
  const service = new EncryptionService(randomBytes(32));

  it('round-trips a secret without leaving it readable in the ciphertext', async () => {
    const sealed = service.encrypt('super-secret-value', 'secret');
    await expect(Promise.resolve(sealed)).resolves.not.toContain('super-secret-value');
    await expect(Promise.resolve(service.decrypt(sealed, 'secret'))).resolves.toBe(
      'super-secret-value',
    );
  });

  it('refuses a ciphertext presented for another purpose', async () => {
    const sealed = service.encrypt('token', 'token');
    await expect(async () => service.decrypt(sealed, 'secret')).rejects.toThrow();
  });

  it('refuses a tampered ciphertext', async () => {
    const sealed = service.encrypt('token', 'token');
    const tampered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
    await expect(async () => service.decrypt(tampered, 'token')).rejects.toThrow();
  });

  it('refuses a key of the wrong size', async () => {
    await expect(async () => new EncryptionService(randomBytes(16))).rejects.toThrow(/32-byte/);
  });

  it('fingerprints without revealing the input', async () => {
    await expect(Promise.resolve(fingerprint('abc'))).resolves.toMatch(/^[0-9a-f]{12}$/);
  });
});
