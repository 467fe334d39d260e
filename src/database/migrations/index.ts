import type { MixedList } from 'typeorm';
import { ZoomTokenMints1764320100000 } from './1764320100000-zoom-token-mints.js';
import { ApiKeys1764320000000 } from './1764320000000-api-keys.js';
import { ZoomCredentials1764320200000 } from './1764320200000-zoom-credentials.js';
import { WebhookEvents1764320400000 } from './1764320400000-webhook-events.js';
import { Meetings1764320300000 } from './1764320300000-meetings.js';
import { ApiKeyLifecycle1764330000000 } from './1764330000000-api-key-lifecycle.js';
import { AuditEvents1764330100000 } from './1764330100000-audit-events.js';
import { MeetingAttempts1764340000000 } from './1764340000000-meeting-attempts.js';
import { MeetingEventTs1764350000000 } from './1764350000000-meeting-event-ts.js';
import { WebhookSubscriptions1764350100000 } from './1764350100000-webhook-subscriptions.js';
import { ConsoleSessions1764360000000 } from './1764360000000-console-sessions.js';

/** Every migration, in order. Written by hand with TypeORM's portable Table API (SQLite and PostgreSQL). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const MIGRATIONS: MixedList<Function> = [
  ApiKeys1764320000000,
  ZoomTokenMints1764320100000,
  ZoomCredentials1764320200000,
  Meetings1764320300000,
  WebhookEvents1764320400000,
  ApiKeyLifecycle1764330000000,
  AuditEvents1764330100000,
  MeetingAttempts1764340000000,
  MeetingEventTs1764350000000,
  WebhookSubscriptions1764350100000,
  ConsoleSessions1764360000000,
];
