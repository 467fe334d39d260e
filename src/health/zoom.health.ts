import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { AuthHealthReadModel } from '../zoom/auth-health/auth-health.read-model.js';
import { missingScopesOf } from '../zoom/auth-health/zoom-verdict.js';

/**
 * Zoom auth, read from the shared state: never mints, never calls Zoom. `rejected` and
 * `invalid_credentials` make the replica unready (no call to Zoom can succeed until an operator
 * acts); `degraded` and `unreachable` are warnings (some calls may still work, and Zoom outages
 * pass by themselves), so they keep the replica in rotation; so does a ZOOM_CLIENT_SECRET of this
 * replica that Zoom refused (it serves with the stored version), shown in words.
 */
@Injectable()
export class ZoomHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly health: AuthHealthReadModel,
  ) {}

  async check(key = 'zoom') {
    const indicator = this.indicators.check(key);
    const status = await this.health.current();
    const missingScopes = status.lastValidation && missingScopesOf(status.lastValidation.cause);
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
      ...(missingScopes ? { missingScopes } : {}),
      ...(status.rotationAlarm ? { rotationAlarm: status.rotationAlarm } : {}),
      ...(status.environmentSecretRefused
        ? { environmentSecretRefused: status.environmentSecretRefused }
        : {}),
    };
    if (status.state === 'rejected' || status.state === 'invalid_credentials')
      return indicator.down(details);
    // A refused environment secret leaves the replica serving (stored version): degraded, not down.
    if (
      status.state === 'degraded' ||
      status.state === 'unreachable' ||
      status.environmentSecretRefused
    )
      return indicator.degraded(details);
    return indicator.up(details);
  }
}
