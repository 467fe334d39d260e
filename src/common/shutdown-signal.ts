import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from './errors/index.js';

/** What a caller cut off by shutdown is told to wait before retrying (on another replica). */
export const SHUTDOWN_RETRY_AFTER_SECONDS = 1;

/**
 * Raised once, when the process is told to stop (SIGTERM/SIGINT in main.ts). Waits that only
 * hold a caller in line (the rate-limit queue, a retry waiting on its Idempotency-Key) race
 * against it and end with 503 + Retry-After, so the drain is bounded by in-flight Zoom calls
 * alone; work already sent to Zoom is never cut.
 */
@Injectable()
export class ShutdownSignal {
  private raised = false;
  private readonly listeners = new Set<() => void>();
  private deadline: number | undefined;

  get triggered(): boolean {
    return this.raised;
  }

  /** When the process exits whatever is left (epoch ms; SHUTDOWN_TIMEOUT_MS after the signal), if told. */
  get deadlineAt(): number | undefined {
    return this.deadline;
  }

  trigger(deadlineAt?: number): void {
    if (this.raised) return;
    this.raised = true;
    this.deadline = deadlineAt;
    for (const listener of this.listeners) listener();
    this.listeners.clear();
  }

  /** The refusal a wait ends with at shutdown: 503 service_unavailable with Retry-After. */
  refusal(what: string): DomainError {
    return new DomainError(
      ErrorCode.ServiceUnavailable,
      `The gateway is shutting down and ended ${what}; retry, another replica will answer.`,
      { headers: { 'Retry-After': String(SHUTDOWN_RETRY_AFTER_SECONDS) } },
    );
  }

  /** Throws the refusal when shutdown has begun: checked before a wait starts. */
  assertRunning(what: string): void {
    if (this.raised) throw this.refusal(what);
  }

  /** `wait`, unless shutdown comes first: then rejects with the refusal (the wait itself is abandoned). */
  race<T>(wait: Promise<T>, what: string): Promise<T> {
    if (this.raised) return Promise.reject(this.refusal(what));
    return new Promise<T>((resolve, reject) => {
      const onShutdown = () => reject(this.refusal(what));
      this.listeners.add(onShutdown);
      wait.then(
        (value) => {
          this.listeners.delete(onShutdown);
          resolve(value);
        },
        (error: unknown) => {
          this.listeners.delete(onShutdown);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }
}
