import type { MixedList } from 'typeorm';
import { ZoomTokenMintEntity } from '../zoom/token/mint-ledger/zoom-token-mint.entity.js';
import { ApiKeyEntity, ApiKeySecretEntity, ApiKeyUsageEntity } from '../auth/api-key.entity.js';
import { AuditEventEntity } from '../audit/audit-event.entity.js';
import { ZoomCredentialEventEntity } from '../zoom/credentials/zoom-credential-event.entity.js';
import { ZoomCredentialEntity } from '../zoom/credentials/zoom-credential.entity.js';
import { WebhookEventEntity } from '../webhooks/webhook-event.entity.js';
import { MeetingEntity } from '../meetings/meeting.entity.js';

/** Every entity, listed explicitly (no globs: the build is ESM and bundle-friendly). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const ENTITIES: MixedList<Function> = [
  ApiKeyEntity,
  ApiKeySecretEntity,
  ApiKeyUsageEntity,
  AuditEventEntity,
  ZoomCredentialEntity,
  ZoomCredentialEventEntity,
  WebhookEventEntity,
  ZoomTokenMintEntity,
  MeetingEntity,
];
