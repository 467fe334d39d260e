import { randomBytes } from 'node:crypto';
import { EncryptionService, fingerprint } from './encryption.service.js';

describe(EncryptionService.name, () => {
  const service = new EncryptionService(randomBytes(32));

  it('round-trips a secret without leaving it readable in the ciphertext', () => {
    const sealed = service.encrypt('super-secret-value', 'secret');
    expect(sealed).not.toContain('super-secret-value');
    expect(service.decrypt(sealed, 'secret')).toBe('super-secret-value');
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

  it('fingerprints without revealing the input', () => {
    expect(fingerprint('abc')).toMatch(/^[0-9a-f]{12}$/);
  });
});
