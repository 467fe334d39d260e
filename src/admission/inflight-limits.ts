import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '../common/errors/index.js';
import { AppConfig } from '../config/app-config.js';

/**
 * Each app's calls in flight on this replica, capped at MAX_INFLIGHT_PER_APP: one app's slow
 * uploads or slow reports hold at most its share of the connections to Zoom and of the
 * replica's memory, never the places another app's calls need. Beyond the cap the app gets a
 * local 429 with Retry-After at once, before its body is read.
 */
@Injectable()
export class InflightLimits {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly config: AppConfig) {}

  /** Takes one of `app`'s places; the function returned gives it back (only the first call counts). */
  enter(app: string): () => void {
    const held = this.inFlight.get(app) ?? 0;
    if (held >= this.config.maxInflightPerApp)
      throw new DomainError(
        ErrorCode.TooManyInFlight,
        `This app already has ${held} calls in flight on this replica (MAX_INFLIGHT_PER_APP); retry when one has ended.`,
        { headers: { 'Retry-After': '1', 'X-Gateway-Refusal': 'app_inflight' } },
      );
    this.inFlight.set(app, held + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const now = (this.inFlight.get(app) ?? 1) - 1;
      if (now <= 0) this.inFlight.delete(app);
      else this.inFlight.set(app, now);
    };
  }

  /** Calls `app` has in flight now. */
  held(app: string): number {
    return this.inFlight.get(app) ?? 0;
  }
}
