import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { AuthenticatedCaller, Caller } from '../../access/caller.js';
import { AccessPolicy } from '../../access/access-policy.service.js';
import { AuditAction, AuditService } from '../../audit/audit.service.js';
import { Clock } from '../../common/clock.js';
import { DomainError } from '../../common/errors/index.js';
import { fieldsInvalid } from '../../common/parse.js';
import { AppConfig } from '../../config/app-config.js';
import { checkSubscriptionUrl } from './destination-policy.js';
import { SubscriptionSecrets } from './subscription-secrets.js';
import { SubscriptionsRepository } from './subscriptions.repository.js';
import type {
  CreateSubscriptionInput,
  RotateSecretInput,
  UpdateSubscriptionInput,
} from './subscriptions.validation.js';
import type { WebhookSubscriptionEntity } from './webhook-subscription.entity.js';

/** Zoom allows 20 event subscriptions per app; the gateway allows each internal app as many. */
export const MAX_SUBSCRIPTIONS_PER_APP = 20;

export interface SubscriptionView {
  id: string;
  app: string;
  url: string;
  events: string[];
  description: string | null;
  paused: boolean;
  /** During a rotation's overlap: when the new secret takes over `x-zm-signature`. */
  newSecretSigningFrom: string | null;
  failingSince: string | null;
  lastSuccessAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A subscription with its signing secret: answered once, at create and at rotation. */
export interface SubscriptionWithSecret extends SubscriptionView {
  secret: string;
}

export function patternsOf(row: Pick<WebhookSubscriptionEntity, 'events'>): string[] {
  const parsed: unknown = JSON.parse(row.events);
  return Array.isArray(parsed)
    ? parsed.filter((item): item is string => typeof item === 'string')
    : [];
}

function view(row: WebhookSubscriptionEntity, now: number): SubscriptionView {
  const switching =
    row.nextSecret !== null && row.secretSwitchAt !== null && row.secretSwitchAt.getTime() > now;
  return {
    id: row.id,
    app: row.app,
    url: row.url,
    events: patternsOf(row),
    description: row.description,
    paused: row.pausedAt !== null,
    newSecretSigningFrom: switching ? (row.secretSwitchAt?.toISOString() ?? null) : null,
    failingSince: row.failingSince?.toISOString() ?? null,
    lastSuccessAt: row.lastSuccessAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * Apps' subscriptions to Zoom's events. An app key manages its own (another app's answers
 * 404, as one that does not exist); an admin key any app's. A URL must be a destination the
 * caller may name (WEBHOOK_DESTINATIONS for app keys). Every change is audited; a secret is
 * answered only when it is made.
 */
@Injectable()
export class SubscriptionsService {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly repository: SubscriptionsRepository,
    private readonly secrets: SubscriptionSecrets,
    private readonly audit: AuditService,
    private readonly access: AccessPolicy,
  ) {}

  async create(
    caller: AuthenticatedCaller,
    input: CreateSubscriptionInput,
  ): Promise<SubscriptionWithSecret> {
    const app = this.appFor(caller, input.app);
    const url = this.checkedUrl(caller, input.url);
    if ((await this.repository.countOf(app)) >= MAX_SUBSCRIPTIONS_PER_APP)
      throw DomainError.validation(
        `An app may have at most ${MAX_SUBSCRIPTIONS_PER_APP} subscriptions.`,
        [
          {
            field: 'url',
            message: `${app} already has ${MAX_SUBSCRIPTIONS_PER_APP} subscriptions.`,
          },
        ],
      );
    const id = randomUUID();
    const secret = this.secrets.generate();
    const now = new Date(this.clock.now());
    const row: WebhookSubscriptionEntity = {
      id,
      app,
      url,
      events: JSON.stringify(input.events),
      description: input.description ?? null,
      pausedAt: null,
      secret: this.secrets.seal(id, secret),
      nextSecret: null,
      secretSwitchAt: null,
      failingSince: null,
      lastSuccessAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.repository.transaction(async (manager) => {
      await this.repository.insert(row, manager);
      await this.audit.record(
        {
          actor: caller.name,
          action: AuditAction.WebhookSubscriptionCreated,
          target: id,
          details: { app, url, events: input.events },
        },
        manager,
      );
    });
    return { ...view(row, now.getTime()), secret };
  }

  async list(caller: Caller): Promise<SubscriptionView[]> {
    const now = this.clock.now();
    const rows = await this.repository.list(caller.admin ? undefined : caller.name);
    return rows.map((row) => view(row, now));
  }

  async get(caller: Caller, id: string): Promise<SubscriptionView> {
    return view(await this.owned(caller, id), this.clock.now());
  }

  async update(
    caller: AuthenticatedCaller,
    id: string,
    input: UpdateSubscriptionInput,
  ): Promise<SubscriptionView> {
    const row = await this.owned(caller, id);
    const now = new Date(this.clock.now());
    const change: Partial<WebhookSubscriptionEntity> = { updatedAt: now };
    if (input.url !== undefined) change.url = this.checkedUrl(caller, input.url);
    if (input.events !== undefined) change.events = JSON.stringify(input.events);
    if (input.description !== undefined) change.description = input.description;
    if (input.paused !== undefined) change.pausedAt = input.paused ? (row.pausedAt ?? now) : null;
    await this.repository.transaction(async (manager) => {
      await this.repository.update(id, change, manager);
      await this.audit.record(
        {
          actor: caller.name,
          action: AuditAction.WebhookSubscriptionUpdated,
          target: id,
          details: { ...input },
        },
        manager,
      );
    });
    return view(Object.assign(row, change), now.getTime());
  }

  async remove(caller: Caller, id: string): Promise<void> {
    await this.owned(caller, id);
    await this.repository.transaction(async (manager) => {
      await this.repository.remove(id, manager);
      await this.audit.record(
        { actor: caller.name, action: AuditAction.WebhookSubscriptionDeleted, target: id },
        manager,
      );
    });
  }

  /**
   * A new secret. The old one keeps signing `x-zm-signature` for `overlapSeconds` (the new one
   * signs `x-zoom-gateway-signature-next` meanwhile); a rotation during an overlap ends it:
   * the secret then signing stays the old one.
   */
  async rotateSecret(
    caller: Caller,
    id: string,
    input: RotateSecretInput,
  ): Promise<SubscriptionWithSecret> {
    const row = await this.owned(caller, id);
    const now = this.clock.now();
    const { signing } = this.secrets.signingAt(row, now);
    const secret = this.secrets.generate();
    const change: Partial<WebhookSubscriptionEntity> = {
      secret: this.secrets.seal(id, signing),
      nextSecret: this.secrets.seal(id, secret),
      secretSwitchAt: new Date(now + input.overlapSeconds * 1000),
      updatedAt: new Date(now),
    };
    await this.repository.transaction(async (manager) => {
      await this.repository.update(id, change, manager);
      await this.audit.record(
        {
          actor: caller.name,
          action: AuditAction.WebhookSubscriptionSecretRotated,
          target: id,
          details: { overlapSeconds: input.overlapSeconds },
        },
        manager,
      );
    });
    return { ...view(Object.assign(row, change), now), secret };
  }

  /** The subscription when the caller may manage it; 404 otherwise, as for one that does not exist. */
  async owned(caller: Caller, id: string): Promise<WebhookSubscriptionEntity> {
    const row = await this.repository.find(id);
    if (!row || (!caller.admin && row.app !== caller.name))
      throw DomainError.notFound(`Webhook subscription ${id} does not exist.`);
    return row;
  }

  private appFor(caller: AuthenticatedCaller, named: string | undefined): string {
    if (named === undefined || named === caller.name) return caller.name;
    if (!caller.admin)
      throw fieldsInvalid([
        { field: 'app', message: 'Only admin keys may subscribe for another app.' },
      ]);
    if (!this.access.isLiveApp(named))
      throw fieldsInvalid([{ field: 'app', message: `No app named ${named} holds a live key.` }]);
    return named;
  }

  private checkedUrl(caller: Caller, raw: string): string {
    const check = checkSubscriptionUrl(
      raw,
      { admin: caller.admin },
      this.config.webhookDestinations,
    );
    if (!check.ok) throw fieldsInvalid([{ field: 'url', message: check.message }]);
    return check.url.href;
  }
}
