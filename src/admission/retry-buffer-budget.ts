import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';

/**
 * The bytes this replica holds for streamed bodies, across all requests: each one's buffers in
 * flight and the copy kept so it can be sent again on the one retry (a refused token, a
 * per-second 429), at most RETRY_BUFFER_BUDGET_MB in all. A body that would go past it streams
 * on without its copy (sent once, not retried): memory stays bounded however many uploads
 * arrive at once.
 */
@Injectable()
export class RetryBufferBudget {
  private heldBytes = 0;

  constructor(
    private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    metrics.gauge(
      'zoom_gateway_retry_buffer_bytes',
      'Bytes this replica keeps to resend streamed bodies on a retry (at most RETRY_BUFFER_BUDGET_MB)',
      [],
      (gauge) => gauge.set(this.heldBytes),
    );
  }

  /** Takes `bytes` from the budget; false (nothing taken) when that would exceed it. */
  tryHold(bytes: number): boolean {
    if (this.heldBytes + bytes > this.config.retryBufferBudgetBytes) return false;
    this.heldBytes += bytes;
    return true;
  }

  release(bytes: number): void {
    this.heldBytes = Math.max(0, this.heldBytes - bytes);
  }

  get held(): number {
    return this.heldBytes;
  }
}
