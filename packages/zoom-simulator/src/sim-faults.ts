// Injected faults: the next N answers fail with a status or have their connection dropped, and
// fixed latency before token or API answers.
import type { FaultOptions } from './sim-types.js';

export type Target = 'token' | 'api';

export interface Fault {
  remaining: number;
  kind: 'fail' | 'drop';
  status: number;
  target: Target | 'any';
}

export class FaultInjector {
  tokenLatencyMs = 0;
  apiLatencyMs = 0;
  private faults: Fault[] = [];

  latency(target: Target): number {
    return target === 'token' ? this.tokenLatencyMs : this.apiLatencyMs;
  }

  /** The next fault for `target`, counted as used. */
  take(target: Target): Fault | undefined {
    const index = this.faults.findIndex((f) => f.target === 'any' || f.target === target);
    if (index === -1) return undefined;
    const fault = this.faults[index];
    fault.remaining--;
    if (fault.remaining <= 0) this.faults.splice(index, 1);
    return fault;
  }

  failNext(n: number, opts: FaultOptions = {}): void {
    if (n > 0) {
      this.faults.push({
        remaining: n,
        kind: 'fail',
        status: opts.status ?? 503,
        target: opts.target ?? 'any',
      });
    }
  }

  dropNext(n: number, opts: { target?: Target | 'any' } = {}): void {
    if (n > 0) {
      this.faults.push({ remaining: n, kind: 'drop', status: 0, target: opts.target ?? 'any' });
    }
  }

  reset(): void {
    this.faults = [];
    this.tokenLatencyMs = 0;
    this.apiLatencyMs = 0;
  }
}
