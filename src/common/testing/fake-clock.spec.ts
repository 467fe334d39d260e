import { FakeClock } from './fake-clock.js';

describe(FakeClock.name, () => {
  it('stands still at its start until the test moves it', () => {
    const clock = new FakeClock(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(500);
    expect(clock.now()).toBe(1_500);
    clock.set(42);
    expect(clock.now()).toBe(42);
  });

  it('follows real time plus the offset when started from real time', () => {
    const clock = new FakeClock('real');
    clock.advance(3_600_000);
    expect(clock.now() - Date.now()).toBeGreaterThan(3_599_000);
  });

  it('returns from sleep at once and records what was asked', async () => {
    const clock = new FakeClock();
    const heard: number[] = [];
    clock.onSleep = (ms) => heard.push(ms);
    await expect(clock.sleep(60_000)).resolves.toBeUndefined();
    expect([clock.sleeps, heard]).toEqual([[60_000], [60_000]]);
  });
});
