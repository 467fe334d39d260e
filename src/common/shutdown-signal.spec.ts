import { DomainError, ErrorCode } from './errors/index.js';
import { ShutdownSignal } from './shutdown-signal.js';

const never = new Promise<never>(() => undefined);

describe(ShutdownSignal.name, () => {
  it('lets a wait finish while the process runs', async () => {
    const signal = new ShutdownSignal();
    await expect(signal.race(Promise.resolve('done'), 'the call')).resolves.toBe('done');
  });

  it('ends a pending wait with 503 and Retry-After when shutdown begins', async () => {
    const signal = new ShutdownSignal();
    const waiting = signal.race(never, 'the call');
    signal.trigger();
    await expect(waiting).rejects.toMatchObject({
      code: ErrorCode.ServiceUnavailable,
      status: 503,
      options: { headers: { 'Retry-After': '1' } },
    });
  });

  it('refuses a wait that would start after shutdown began', async () => {
    const signal = new ShutdownSignal();
    signal.trigger();
    expect(() => signal.assertRunning('the call')).toThrow(DomainError);
    await expect(signal.race(Promise.resolve(1), 'the call')).rejects.toBeInstanceOf(DomainError);
  });
});
