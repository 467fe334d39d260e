import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/errors/index.js';
import type { AuditEventEntity } from './audit-event.entity.js';
import { AuditRepository } from './audit.repository.js';

/** Every admin action the gateway records. Stable: operators filter on them. */
export enum AuditAction {
  ApiKeyCreated = 'api_key.created',
  ApiKeyRevoked = 'api_key.revoked',
  ApiKeyRotated = 'api_key.rotated',
  ApiKeyUpdated = 'api_key.updated',
  CredentialsRotated = 'zoom_credentials.rotated',
  CredentialsRotationRefused = 'zoom_credentials.rotation_refused',
  ZoomAuthBackoffReset = 'zoom_auth.backoff_reset',
  ZoomDailyLimitBlockLifted = 'zoom.limits.block_lifted',
  ReconciliationRun = 'meetings.reconciled',
  WebhookSubscriptionCreated = 'webhook_subscription.created',
  WebhookSubscriptionUpdated = 'webhook_subscription.updated',
  WebhookSubscriptionDeleted = 'webhook_subscription.deleted',
  WebhookSubscriptionSecretRotated = 'webhook_subscription.secret_rotated',
  WebhookSubscriptionReplayed = 'webhook_subscription.replayed',
  WebhookDeliveryRetried = 'webhook_delivery.retried',
  ConsoleSignedIn = 'console.signed_in',
  ConsoleSessionRevoked = 'console.session_revoked',
}

export const AUDIT_ACTIONS: readonly string[] = Object.values(AuditAction);

export interface AuditEntry {
  actor: string;
  action: AuditAction;
  target?: string;
  /** What changed; never a key, a hash or a secret. */
  details?: Record<string, unknown>;
}

export interface AuditEventView {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  details: unknown;
}

export interface AuditPage {
  events: AuditEventView[];
  /** Opaque; pass as `cursor` for the next (older) page. Null on the last page. */
  nextCursor: string | null;
}

export interface AuditQuery {
  action?: string;
  cursor?: string;
  limit: number;
}

function view(row: AuditEventEntity): AuditEventView {
  return {
    id: row.id,
    at: row.at.toISOString(),
    actor: row.actor,
    action: row.action,
    target: row.target,
    details: row.details === null ? null : (JSON.parse(row.details) as unknown),
  };
}

function encodeCursor(row: AuditEventEntity): string {
  return Buffer.from(JSON.stringify({ t: row.at.getTime(), id: row.id })).toString('base64url');
}

function decodeCursor(raw: string): { at: Date; id: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 't' in parsed && 'id' in parsed) {
      const { t, id } = parsed;
      if (typeof t === 'number' && Number.isSafeInteger(t) && typeof id === 'string')
        if (/^[0-9a-f-]{36}$/.test(id)) return { at: new Date(t), id };
    }
  } catch {
    // fall through
  }
  throw DomainError.validation(
    'Invalid field: cursor. Must be the nextCursor of a previous page.',
    [{ field: 'cursor', message: 'Must be the nextCursor of a previous page.' }],
  );
}

/**
 * The audit trail: one row per admin action, and one log line. `record` can join the caller's
 * transaction, so an action and its audit row are written together or not at all.
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  constructor(
    private readonly events: AuditRepository,
    private readonly clock: Clock,
  ) {}

  async record(entry: AuditEntry, manager?: EntityManager): Promise<void> {
    const row: AuditEventEntity = {
      id: randomUUID(),
      at: new Date(this.clock.now()),
      actor: entry.actor.slice(0, 64),
      action: entry.action,
      target: entry.target?.slice(0, 128) ?? null,
      details: entry.details === undefined ? null : JSON.stringify(entry.details),
    };
    await this.events.insert(row, manager);
    this.logger.log(
      {
        audit: { actor: row.actor, action: row.action, target: row.target, details: entry.details },
      },
      `${row.actor} ${row.action}${row.target ? ` ${row.target}` : ''}`,
    );
  }

  /** Newest first, keyset pagination on (at, id). */
  async list(query: AuditQuery): Promise<AuditPage> {
    const rows = await this.events.newestFirst({
      action: query.action,
      before: query.cursor ? decodeCursor(query.cursor) : undefined,
      take: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      events: page.map(view),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null,
    };
  }
}
