import { Clock } from '../clock.js';

/**
 * The one test clock. Starts at a fixed instant (or follows real time, for tests whose other
 * parts, such as Redis expiries, run on real time) and moves only when the test says so.
 * `sleep` returns at once, so code that waits between attempts runs without real delays.
 */
export class FakeClock extends Clock {
  private base: number | 'real';
  private offset = 0;
  /** Every sleep asked for, in order (ms). */
  readonly sleeps: number[] = [];
  /** Called on each sleep, before it returns: lets a test act "while" the code waits. */
  onSleep: ((ms: number) => void) | undefined;

  constructor(start: number | 'real' = Date.UTC(2025, 0, 1)) {
    super();
    this.base = start;
  }

  override now(): number {
    return (this.base === 'real' ? Date.now() : this.base) + this.offset;
  }

  /** Moves time forward (or back, with a negative value). */
  advance(ms: number): void {
    this.offset += ms;
  }

  /** Jumps to an instant; from then on time stands still until moved. */
  set(epochMs: number): void {
    this.base = epochMs;
    this.offset = 0;
  }

  override sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.onSleep?.(ms);
    return Promise.resolve();
  }
}
