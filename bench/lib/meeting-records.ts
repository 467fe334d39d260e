// The record writes the gateway makes for every meeting create, as bench/bare-proxy.ts makes them
// when PROXY_RECORDS_DATABASE_URL is set (the floor a create is compared with). The gateway
// (src/meetings/meetings.service.ts, meeting-lifecycle.service.ts, meetings.repository.ts through
// src/meetings/plain-writes.ts) runs two statements per create without an Idempotency-Key, on its
// pg pool, each in its own implicit transaction:
//  1. once its call to Zoom is admitted, just before it leaves: INSERT of the whole `creating`
//     record, every column of the entity in its order (the caller's topic, type, start time,
//     duration and timezone; heartbeat and attempt start = now; the rest NULL);
//  2. after Zoom's 2xx, before the caller is answered: UPDATE ... SET Zoom's columns, `active`,
//     failure_reason NULL, updated_at, response_encrypted (NULL without a key)
//     WHERE id = ... AND status = 'creating'.
// The same statements, columns, parameters and pool settings (size and deadlines) here, on the
// same PostgreSQL database; nothing else the gateway does (no validation, no governor, no log).
// Checked against PostgreSQL's counters: per create, one row inserted, one updated, one index
// scan and two transactions, for the gateway and for this alike.
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';

/** The entity's columns in its order (src/meetings/meeting.entity.ts), as PlainWrites writes them. */
const COLUMNS = [
  'id',
  'zoom_meeting_id',
  'zoom_uuid',
  'host_user',
  'host_id',
  'host_email',
  'topic',
  'type',
  'start_time',
  'duration',
  'timezone',
  'join_url',
  'status',
  'created_by',
  'created_at',
  'updated_at',
  'deleted_at',
  'deletion_reason',
  'failure_reason',
  'idempotency_key_hash',
  'request_hash',
  'idempotency_expires_at',
  'response_encrypted',
  'attempt_heartbeat_at',
  'attempt_started_at',
] as const;
type Column = (typeof COLUMNS)[number];
type Row = Partial<Record<Column, unknown>>;

const INSERT_SQL =
  `INSERT INTO "meetings" (${COLUMNS.map((c) => `"${c}"`).join(', ')}) ` +
  `VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`;

/** `UPDATE "meetings" SET <set> WHERE <where>`, columns in the entity's order, undefined left out. */
function update(set: Row, where: Row): { sql: string; values: unknown[] } {
  const setColumns = COLUMNS.filter((c) => set[c] !== undefined);
  const whereColumns = COLUMNS.filter((c) => where[c] !== undefined);
  const sql =
    `UPDATE "meetings" SET ${setColumns.map((c, i) => `"${c}" = $${i + 1}`).join(', ')} ` +
    `WHERE ${whereColumns.map((c, i) => `"${c}" = $${setColumns.length + i + 1}`).join(' AND ')}`;
  return {
    sql,
    values: [...setColumns.map((c) => set[c]), ...whereColumns.map((c) => where[c])],
  };
}

const field = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null ? Reflect.get(value, key) : undefined;

function integerOf(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  return Number.isInteger(n) ? n : undefined;
}

const text = (value: unknown, width: number): string | undefined =>
  typeof value === 'string' ? value.slice(0, width) : undefined;

/** The columns a create body or Zoom's meeting names (src/meetings/meeting-columns.ts's rules). */
function changeColumns(change: unknown): Row {
  const start = field(change, 'start_time');
  const startMs =
    typeof start === 'string' && /(Z|[+-]\d{2}:?\d{2})$/.test(start) ? Date.parse(start) : NaN;
  const timezone = field(change, 'timezone');
  return {
    topic: text(field(change, 'topic'), 200),
    type: integerOf(field(change, 'type')),
    start_time: Number.isNaN(startMs) ? undefined : new Date(startMs),
    duration: integerOf(field(change, 'duration')),
    timezone: typeof timezone === 'string' && timezone ? timezone.slice(0, 64) : undefined,
    join_url: text(field(change, 'join_url'), 1024),
  };
}

export interface MeetingRecords {
  /** Fails unless the database answers and holds the gateway's `meetings` table. */
  check(): Promise<void>;
  /** The `creating` record of a create about to be sent to Zoom; answers its id. */
  begin(hostUser: string, body: unknown): Promise<string>;
  /** `creating` → `active` with Zoom's meeting. */
  complete(id: string, meeting: unknown): Promise<void>;
  /** `creating` → `failed`: Zoom made nothing (or could not be reached). */
  fail(id: string, reason: string): Promise<void>;
  close(): Promise<void>;
}

export function createMeetingRecords(databaseUrl: string, createdBy: string): MeetingRecords {
  // The gateway's pool (src/database/database.options.ts with its default deadlines), but for
  // how long an idle connection stays: a second, not pg's 10 s, so that between its turns this
  // pool's 20 connections are not held beside the four measured gateways' 20 each (PostgreSQL's
  // default max_connections is 100: "too many clients already", and 503s, otherwise).
  const pool = new Pool({
    connectionString: databaseUrl,
    max: 20,
    keepAlive: true,
    connectionTimeoutMillis: 3_000,
    query_timeout: 5_000,
    statement_timeout: 5_000,
    idleTimeoutMillis: 1_000,
  });
  // An idle connection cut (the bench drops the database at the end) is no reason to crash.
  pool.on('error', () => undefined);
  return {
    async check() {
      await pool.query('SELECT 1 FROM "meetings" LIMIT 1');
    },
    async begin(hostUser, body) {
      const now = new Date();
      const id = randomUUID();
      const row: Row = {
        ...changeColumns(body),
        id,
        host_user: hostUser.slice(0, 128),
        status: 'creating',
        created_by: createdBy,
        created_at: now,
        updated_at: now,
        attempt_heartbeat_at: now,
        attempt_started_at: now,
      };
      await pool.query(
        INSERT_SQL,
        COLUMNS.map((c) => row[c] ?? null),
      );
      return id;
    },
    async complete(id, meeting) {
      const zoomId = field(meeting, 'id');
      const { sql, values } = update(
        {
          ...changeColumns(meeting),
          zoom_meeting_id:
            typeof zoomId === 'number' || typeof zoomId === 'string' ? String(zoomId) : undefined,
          zoom_uuid: text(field(meeting, 'uuid'), 128),
          host_id: text(field(meeting, 'host_id'), 64),
          host_email: text(field(meeting, 'host_email'), 256),
          status: 'active',
          failure_reason: null,
          updated_at: new Date(),
          response_encrypted: null,
        },
        { id, status: 'creating' },
      );
      await pool.query(sql, values);
    },
    async fail(id, reason) {
      const { sql, values } = update(
        {
          status: 'failed',
          failure_reason: reason.slice(0, 512),
          idempotency_key_hash: null,
          updated_at: new Date(),
        },
        { id, status: 'creating' },
      );
      await pool.query(sql, values);
    },
    close: () => pool.end(),
  };
}
