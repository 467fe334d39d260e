import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsService } from '../../metrics/metrics.service.js';
import type { ZoomAuthState } from '../token/auth-state.js';

/** Scheduled validations by outcome (the state gauge `zoom_auth_state` is the state machine's). */
@Injectable()
export class ZoomAuthMetrics {
  private readonly validations: Counter<'outcome'>;

  constructor(metrics: MetricsService) {
    this.validations = metrics.counter(
      'zoom_auth_validations_total',
      'Scheduled credential validations run by this replica, by outcome',
      ['outcome'],
    );
  }

  validated(outcome: ZoomAuthState): void {
    this.validations.inc({ outcome });
  }
}
