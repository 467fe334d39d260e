import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '../../common/clock.js';
import { DomainError, ErrorCode, ZoomApiError } from '../../common/errors/index.js';
import { AppConfig } from '../../config/app-config.js';
import { LeaseService } from '../../coordination/lease.service.js';
import { ZoomApiClient } from '../api/zoom-api.client.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import { TokenEndpointError } from '../token/zoom-oauth.client.js';
import { ZoomAuthMetrics } from './zoom-auth.metrics.js';
import { ZoomAuthStatusService } from './zoom-auth-status.service.js';
import { CHEAP_CALL } from './zoom-probe.service.js';
import type { ValidationRecord } from './validation-store.service.js';
import { scopesFromZoomMessage } from './zoom-verdict.js';

export const VALIDATION_JOB = 'zoom-auth-validation';

type Outcome = Omit<ValidationRecord, 'at' | 'replicaId' | 'latencyMs' | 'credentialVersion'>;

/**
 * Whether an error is news for the state machine. The token service records its own verdicts
 * (a fresh token refused, invalid_client, token endpoint failures) before it throws, and
 * while rejected it fails fast without calling Zoom: recording those again would only push its
 * probe back-off further out. What Zoom's API itself answered is news.
 */
export function isNewObservation(error: unknown): boolean {
  if (error instanceof ZoomApiError) return true;
  const cause = error instanceof Error ? error.cause : undefined;
  if (error instanceof TokenEndpointError || cause instanceof TokenEndpointError) return false;
  // The client's own "could not reach" and "did not answer" are news; the token service holding
  // calls back (ZoomUnavailable) is not.
  return (
    error instanceof DomainError &&
    (error.code === ErrorCode.ZoomUnreachable || error.code === ErrorCode.ZoomTimeout)
  );
}

/** Turns whatever the cheap call ended with into the auth state it implies, in words. */
export function classifyValidationError(error: unknown): Outcome {
  if (error instanceof ZoomApiError) {
    const zoom = {
      status: error.httpStatus,
      code: error.zoomBody?.code,
      message: error.zoomBody?.message,
    };
    if (error.httpStatus === 401) {
      return {
        outcome: 'rejected',
        reason: `Zoom refused a fresh access token (HTTP 401, code ${zoom.code ?? '?'}: ${zoom.message ?? 'no message'}): the app is disabled or its owner lost rights; rotate the client secret after fixing ownership`,
        zoom,
      };
    }
    if (zoom.code === 4711) {
      const missingScopes = scopesFromZoomMessage(zoom.message);
      return {
        outcome: 'degraded',
        reason: `The app lacks scopes${missingScopes.length ? `: ${missingScopes.join(', ')}` : ''} (Zoom code 4711)`,
        zoom,
        missingScopes,
      };
    }
    if (error.httpStatus === 429) {
      const until = error.options.headers?.['retry-after'];
      return {
        outcome: 'degraded',
        reason: `Zoom is rate limiting this account${until ? ` until ${until}` : ''}`,
        zoom,
      };
    }
    if (error.httpStatus >= 500) {
      return {
        outcome: 'unreachable',
        reason: `Zoom's API answered HTTP ${error.httpStatus}`,
        zoom,
      };
    }
    return {
      outcome: 'degraded',
      reason: `Zoom answered the validation call with HTTP ${error.httpStatus}: ${zoom.message ?? ''}`,
      zoom,
    };
  }
  const cause = error instanceof Error ? error.cause : undefined;
  const endpoint =
    error instanceof TokenEndpointError
      ? error
      : cause instanceof TokenEndpointError
        ? cause
        : undefined;
  if (endpoint) {
    const zoom = {
      status: endpoint.details.status,
      code: endpoint.details.zoomError,
      message: endpoint.details.zoomReason,
    };
    if (endpoint.kind === 'invalid_client' || endpoint.kind === 'invalid_request') {
      return {
        outcome: 'invalid_credentials',
        reason: `Zoom's token endpoint refused the credentials (${endpoint.kind}${zoom.message ? `: ${zoom.message}` : ''}): install the right client id, secret and account id`,
        zoom,
      };
    }
    if (endpoint.kind === 'rate_limited') {
      return {
        outcome: 'degraded',
        reason: `Zoom's token endpoint is rate limiting this app`,
        zoom,
      };
    }
    return { outcome: 'unreachable', reason: endpoint.message, zoom };
  }
  if (error instanceof DomainError) {
    if (error.code === ErrorCode.ZoomAuthRejected)
      return { outcome: 'rejected', reason: error.message };
    if (
      error.code === ErrorCode.ZoomInvalidCredentials ||
      error.code === ErrorCode.CredentialsRejected
    ) {
      return { outcome: 'invalid_credentials', reason: error.message };
    }
    if (
      error.code === ErrorCode.ZoomUnavailable ||
      error.code === ErrorCode.ZoomUnreachable ||
      error.code === ErrorCode.ZoomTimeout
    )
      return { outcome: 'unreachable', reason: error.message };
    if (error.code === ErrorCode.RateLimited) return { outcome: 'degraded', reason: error.message };
  }
  return {
    outcome: 'unreachable',
    reason: `The validation call failed: ${error instanceof Error ? error.message : String(error)}`,
  };
}

/**
 * Scheduled credential validation: every ZOOM_AUTH_CHECK_INTERVAL seconds one replica of the
 * fleet (LeaseService.claimInterval) makes one cheap authenticated call with the current
 * token and records what it means. It never mints by itself: the token service mints only if
 * it would anyway (no token yet, or the one it has is due). Every replica reads the result.
 */
@Injectable()
export class AuthValidationService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ZoomAuthValidation');
  private running: Promise<ValidationRecord | undefined> | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly scheduler: SchedulerRegistry,
    private readonly leases: LeaseService,
    private readonly zoom: ZoomApiClient,
    private readonly credentials: CredentialsService,
    private readonly status: ZoomAuthStatusService,
    private readonly metrics: ZoomAuthMetrics,
    private readonly clock: Clock,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  get intervalMs(): number {
    return this.config.authCheckIntervalSeconds * 1_000;
  }

  onApplicationBootstrap(): void {
    // Operator commands (no HTTP server) never schedule: only serving replicas validate.
    if (!this.adapterHost.httpAdapter) return;
    const timer = setInterval(() => void this.tick(), this.intervalMs);
    timer.unref();
    this.scheduler.addInterval(VALIDATION_JOB, timer);
  }

  onApplicationShutdown(): void {
    if (this.scheduler.doesExist('interval', VALIDATION_JOB))
      this.scheduler.deleteInterval(VALIDATION_JOB);
  }

  /** One scheduled period: validates if this replica wins the period, else leaves it to the winner. */
  async tick(): Promise<ValidationRecord | undefined> {
    if (this.running) return undefined;
    this.running = (async () => {
      if (!(await this.leases.claimInterval(VALIDATION_JOB, this.intervalMs))) return undefined;
      return this.validate();
    })()
      .catch((error: Error) => {
        this.logger.error(`Validation run failed: ${error.message}`);
        return undefined;
      })
      .finally(() => (this.running = null));
    return this.running;
  }

  /** Makes the cheap call now and records the outcome (fleet-wide). */
  async validate(): Promise<ValidationRecord> {
    const started = this.clock.now();
    let outcome: Outcome;
    let updateState = true;
    try {
      const response = await this.zoom.request<{ id?: unknown; account_id?: unknown }>({
        method: CHEAP_CALL.method,
        path: CHEAP_CALL.path,
        route: CHEAP_CALL.route,
        category: 'light',
        timeoutMs: Math.min(10_000, this.intervalMs),
      });
      const me = response.data ?? {};
      outcome = {
        outcome: 'ok',
        reason: 'Zoom accepted the current token for GET /users/me',
        owner: {
          userId: typeof me.id === 'string' ? me.id : undefined,
          accountId: typeof me.account_id === 'string' ? me.account_id : undefined,
        },
      };
    } catch (error) {
      outcome = classifyValidationError(error);
      updateState = isNewObservation(error);
    }
    const record: ValidationRecord = {
      at: new Date(this.clock.now()).toISOString(),
      replicaId: this.config.replicaId,
      latencyMs: this.clock.now() - started,
      credentialVersion: this.credentials.active().version,
      ...outcome,
    };
    await this.status.recordValidation(record, { updateState });
    this.metrics.validated(record.outcome);
    const line = `Zoom auth validation: ${record.outcome} (${record.reason})`;
    if (record.outcome === 'ok') this.logger.debug(line);
    else this.logger.warn(line);
    return record;
  }
}
