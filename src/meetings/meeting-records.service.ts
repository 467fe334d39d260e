import { Injectable } from '@nestjs/common';
import type { Caller } from '../access/caller.js';
import type { Ownership } from '../config/grants.js';
import { DomainError } from '../common/errors/index.js';
import type { RecordsQuery } from './dto/meetings.validation.js';
import type { MeetingEntity, MeetingStatus } from './meeting.entity.js';
import { MeetingsRepository } from './meetings.repository.js';

/** A record as the /api surface shows it: fixed keys, ids as strings, times as ISO 8601 UTC. */
export interface MeetingRecordView {
  id: string;
  meetingId: string | null;
  uuid: string | null;
  status: MeetingStatus;
  hostUser: string;
  hostId: string | null;
  hostEmail: string | null;
  topic: string | null;
  type: number | null;
  startTime: string | null;
  duration: number | null;
  timezone: string | null;
  joinUrl: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
  deletionReason: string | null;
  failureReason: string | null;
}

export interface MeetingRecordsPage {
  meetings: MeetingRecordView[];
  /** Opaque; pass as `cursor` for the next page. Null on the last page. */
  nextCursor: string | null;
}

export function toView(r: MeetingEntity): MeetingRecordView {
  return {
    id: r.id,
    meetingId: r.zoomMeetingId,
    uuid: r.zoomUuid,
    status: r.status,
    hostUser: r.hostUser,
    hostId: r.hostId,
    hostEmail: r.hostEmail,
    topic: r.topic,
    type: r.type,
    startTime: r.startTime?.toISOString() ?? null,
    duration: r.duration,
    timezone: r.timezone,
    joinUrl: r.joinUrl,
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    deletedAt: r.deletedAt?.toISOString() ?? null,
    deletionReason: r.deletionReason,
    failureReason: r.failureReason,
  };
}

interface Cursor {
  t: number;
  id: string;
}

function encodeCursor(record: MeetingEntity): string {
  return Buffer.from(JSON.stringify({ t: record.createdAt.getTime(), id: record.id })).toString(
    'base64url',
  );
}

function decodeCursor(raw: string): Cursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 't' in parsed && 'id' in parsed) {
      const { t, id } = parsed;
      if (
        typeof t === 'number' &&
        Number.isSafeInteger(t) &&
        // Years 0001-9999: a time PostgreSQL and Date can both hold (else a 500 from the query).
        t >= -62_135_596_800_000 &&
        t <= 253_402_300_799_999 &&
        typeof id === 'string' &&
        /^[0-9a-f-]{36}$/.test(id)
      ) {
        return { t, id };
      }
    }
  } catch {
    // fall through
  }
  throw DomainError.validation(
    'Invalid field: cursor. Must be the nextCursor of a previous page.',
    [{ field: 'cursor', message: 'Must be the nextCursor of a previous page.' }],
  );
}

/** Who reads the records, and whether they see every app's (`all`) or their own (`own`). */
export interface RecordsViewer {
  caller: Caller;
  ownership: Ownership;
}

/** The gateway's own records of meetings: newest first, keyset pagination on (created_at, id). */
@Injectable()
export class MeetingRecordsService {
  constructor(private readonly records: MeetingsRepository) {}

  /**
   * An `own` caller sees its app's records only: its `createdBy` is forced, and naming another
   * app answers an empty page (as if that app had made nothing), so names cannot be probed.
   */
  async list(query: RecordsQuery, viewer?: RecordsViewer): Promise<MeetingRecordsPage> {
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    const own = viewer?.ownership === 'own';
    if (own && query.createdBy !== undefined && query.createdBy !== viewer.caller.name)
      return { meetings: [], nextCursor: null };
    const rows = await this.records.page({
      userId: query.userId,
      status: query.status,
      createdBy: own ? viewer.caller.name : query.createdBy,
      from: query.from,
      to: query.to,
      after: cursor ? { createdAt: new Date(cursor.t), id: cursor.id } : undefined,
      limit: query.limit,
    });
    const page = rows.slice(0, query.limit);
    return {
      meetings: page.map(toView),
      nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1]) : null,
    };
  }

  /** Another app's record answers 404 to an `own` caller, exactly like a record that does not exist. */
  async get(id: string, viewer?: RecordsViewer): Promise<MeetingRecordView> {
    const record = /^\d+$/.test(id)
      ? await this.records.findByZoomId(id)
      : await this.records.findById(id);
    const hidden = viewer?.ownership === 'own' && record?.createdBy !== viewer.caller.name;
    if (!record || hidden) throw DomainError.notFound(`No meeting record for ${id}.`);
    return toView(record);
  }
}
