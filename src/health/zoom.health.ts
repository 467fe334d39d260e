import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ZoomAuthStatusService } from '../zoom/auth-health/zoom-auth-status.service.js';

/**
 * Zoom auth, read from the shared state: never mints, never calls Zoom. `rejected` and
 * `invalid_credentials` make the replica unready (no call to Zoom can succeed until an operator
 * acts); `degraded` and `unreachable` are warnings (some calls may still work, and Zoom outages
 * pass by themselves), so they keep the replica in rotation.
 */
@Injectable()
export class ZoomHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly status: ZoomAuthStatusService,
  ) {}

  async check(key = 'zoom') {
    const indicator = this.indicators.check(key);
    const status = await this.status.current();
    const details = {
      state: status.state,
      reason: status.reason,
      since: status.since,
      lastSuccessAt: status.lastSuccessAt,
      lastValidation: status.lastValidation
        ? {
            at: status.lastValidation.at,
            outcome: status.lastValidation.outcome,
            reason: status.lastValidation.reason,
          }
        : null,
      ...(status.retryAt ? { retryAt: status.retryAt } : {}),
      ...(status.lastValidation?.missingScopes?.length
        ? { missingScopes: status.lastValidation.missingScopes }
        : {}),
      ...(status.rotationAlarm ? { rotationAlarm: status.rotationAlarm } : {}),
    };
    if (status.state === 'rejected' || status.state === 'invalid_credentials')
      return indicator.down(details);
    if (status.state === 'degraded' || status.state === 'unreachable')
      return indicator.degraded(details);
    return indicator.up(details);
  }
}
