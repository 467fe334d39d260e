/**
 * Background work with a bounded number of tasks in flight and a bounded backlog. Tasks that
 * share a key run one after another in the order they were added (events about one meeting
 * must not overtake each other); tasks with different keys run side by side.
 */
export class KeyedWorkQueue {
  private reserved = 0;
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly tails = new Map<string, Promise<void>>();
  private readonly idleWaiters: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly capacity: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Tasks reserved, waiting or running. */
  get size(): number {
    return this.reserved;
  }

  /** Reserves room for one task before the caller commits to it; false when the backlog is full. */
  tryReserve(): boolean {
    if (this.reserved >= this.capacity) return false;
    this.reserved++;
    return true;
  }

  /** Gives back a reservation that will not be used. */
  release(): void {
    this.reserved--;
    if (this.reserved === 0) for (const done of this.idleWaiters.splice(0)) done();
  }

  /** Runs a task on a reservation taken with tryReserve(). */
  run(key: string, task: () => Promise<void>): void {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.withSlot(task));
    this.tails.set(key, next);
    void next.finally(() => {
      if (this.tails.get(key) === next) this.tails.delete(key);
      this.release();
    });
  }

  /** Resolves when every task has finished, or after the timeout; answers whether it is idle. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.reserved === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const result = await Promise.race([idle, timeout]);
    clearTimeout(timer);
    return result;
  }

  private async withSlot(task: () => Promise<void>): Promise<void> {
    // A finishing task hands its slot straight to the next waiter, so no newcomer can slip in between.
    if (this.running >= this.concurrency)
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      await task();
    } catch (error) {
      this.onError(error);
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
