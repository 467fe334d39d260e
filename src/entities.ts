import { ApiKeyEntity, ApiKeySecretEntity, ApiKeyUsageEntity } from './auth/api-key.entity.js';
import { AuditEventEntity } from './audit/audit-event.entity.js';
import { ConsoleSessionEntity } from './console/console-session.entity.js';
import { FleetMinuteCounterEntity } from './console/fleet-minute-counter.entity.js';
import { MeetingEntity } from './meetings/meeting.entity.js';
import { WebhookEventEntity } from './webhooks/events/webhook-event.entity.js';
import { WebhookDeliveryEntity } from './webhooks/events/webhook-delivery.entity.js';
import { WebhookSubscriptionEntity } from './webhooks/subscriptions/webhook-subscription.entity.js';
import { ZoomCredentialEventEntity } from './zoom/credentials/zoom-credential-event.entity.js';
import { ZoomCredentialEntity } from './zoom/credentials/zoom-credential.entity.js';
import { ZoomTokenMintEntity } from './zoom/token/mint-ledger/zoom-token-mint.entity.js';

/**
 * Every entity, listed explicitly (no globs: the build is ESM and bundle-friendly), at the
 * composition root: database/ knows no feature. The application does not read this list: each
 * feature module registers its own entities (`TypeOrmModule.forFeature`) and the DataSource
 * loads them (`autoLoadEntities`). It is for what builds a DataSource outside Nest: the TypeORM
 * CLI (`ormconfig.ts`, migration:generate) and the specs' migrated databases
 * (`database/testing/`). A spec (src/entities.spec.ts) checks the two agree.
 */
export const ENTITIES = [
  ApiKeyEntity,
  ApiKeySecretEntity,
  ApiKeyUsageEntity,
  AuditEventEntity,
  ZoomCredentialEntity,
  ZoomCredentialEventEntity,
  WebhookEventEntity,
  WebhookSubscriptionEntity,
  WebhookDeliveryEntity,
  ZoomTokenMintEntity,
  MeetingEntity,
  ConsoleSessionEntity,
  FleetMinuteCounterEntity,
];
