import { KeyedWorkQueue } from './keyed-work-queue.js';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe(KeyedWorkQueue.name, () => {
  it('never runs more tasks at once than its concurrency', async () => {
    const queue = new KeyedWorkQueue(3, 100, () => undefined);
    let running = 0;
    let peak = 0;
    for (let i = 0; i < 20; i++) {
      expect(queue.tryReserve()).toBe(true);
      queue.run(`key-${i}`, async () => {
        running++;
        peak = Math.max(peak, running);
        await tick(Math.random() * 10);
        running--;
      });
    }
    await expect(queue.drain(5_000)).resolves.toBe(true);
    expect(peak).toBe(3);
  });

  it('runs tasks of one key one after another, in the order added', async () => {
    const queue = new KeyedWorkQueue(4, 100, () => undefined);
    const seen: string[] = [];
    for (const [key, name, delay] of [
      ['m1', 'updated', 20],
      ['m1', 'deleted', 1],
      ['m2', 'other', 1],
    ] as const) {
      queue.tryReserve();
      queue.run(key, async () => {
        await tick(delay);
        seen.push(`${key}:${name}`);
      });
    }
    await queue.drain(5_000);
    expect(seen).toEqual(['m2:other', 'm1:updated', 'm1:deleted']);
  });

  it('refuses a reservation when the backlog is full, and has room again once a task ends', async () => {
    const queue = new KeyedWorkQueue(1, 2, () => undefined);
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    expect(queue.tryReserve()).toBe(true);
    queue.run('a', () => blocked);
    expect(queue.tryReserve()).toBe(true);
    expect(queue.tryReserve()).toBe(false);
    queue.release();
    release();
    await queue.drain(1_000);
    expect(queue.tryReserve()).toBe(true);
  });

  it('reports a failing task and keeps going', async () => {
    const errors: unknown[] = [];
    const queue = new KeyedWorkQueue(1, 10, (error) => errors.push(error));
    let ran = false;
    queue.tryReserve();
    queue.run('k', () => Promise.reject(new Error('boom')));
    queue.tryReserve();
    queue.run('k', async () => {
      ran = true;
    });
    await queue.drain(1_000);
    expect([errors.length, ran]).toEqual([1, true]);
  });
});
