import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsService } from '../../metrics/metrics.service.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import type { ZoomAuthState } from '../token/auth-state.js';

/**
 * Scheduled validations by outcome (the state gauge `zoom_auth_state` is the state machine's),
 * and the credentials' standing alarms as gauges read at scrape time.
 */
@Injectable()
export class ZoomAuthMetrics {
  private readonly validations: Counter<'outcome'>;

  constructor(metrics: MetricsService, credentials: CredentialsService) {
    this.validations = metrics.counter(
      'zoom_auth_validations_total',
      'Scheduled credential validations run by this replica, by outcome',
      ['outcome'],
    );
    metrics.gauge(
      'zoom_credentials_rotation_alarm',
      'The automated secret rotation did not finish (1) or no alarm stands (0)',
      [],
      (gauge) => gauge.set(credentials.rotationAlarm() ? 1 : 0),
    );
    metrics.gauge(
      'zoom_credentials_environment_refused',
      "This replica's ZOOM_CLIENT_SECRET/ZOOM_CLIENT_ID was refused by Zoom or could not be checked (1); it serves with the stored version",
      [],
      (gauge) => gauge.set(credentials.environmentSecretRefused ? 1 : 0),
    );
  }

  validated(outcome: ZoomAuthState): void {
    this.validations.inc({ outcome });
  }
}
