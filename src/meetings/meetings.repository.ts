import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import {
  Brackets,
  type EntityManager,
  In,
  IsNull,
  LessThan,
  LessThanOrEqual,
  Not,
  type Repository,
} from 'typeorm';
import { Clock } from '../common/clock.js';
import { MEETING_COLUMN_NAMES, type MeetingColumns } from './meeting-columns.js';
import { clip, eventTsValue, MeetingEntity, type MeetingStatus } from './meeting.entity.js';
import { PlainWrites } from './plain-writes.js';
import { ZoomEventWrites } from './zoom-event-writes.js';

/** What `page` filters on; the validated form of `GET /api/meetings`. */
export interface RecordsFilter {
  userId?: string;
  status?: MeetingStatus;
  createdBy?: string;
  from?: Date;
  to?: Date;
  after?: { createdAt: Date; id: string };
  limit: number;
}

/** An active record reconciliation checks against Zoom (a raw row: SQLite gives timestamps as text). */
export interface CheckCandidate {
  id: string;
  zoom_meeting_id: string | number;
  topic: string | null;
  duration: number | null;
  timezone: string | null;
  start_time: Date | string | null;
}

export type CheckOutcome = 'present' | 'deleted' | 'error';

/** Instant meetings: Zoom's list never returns them, so reconciliation cannot find them there. */
const INSTANT = 1;
const LIVE: MeetingStatus[] = ['active', 'creating'];

/**
 * The `meetings` and `meeting_checks` tables: the only place in the module that speaks TypeORM.
 * Each write says which state it moves from, so a concurrent writer cannot undo a later state,
 * and answers whether a row changed.
 */
@Injectable()
export class MeetingsRepository {
  /**
   * The two writes of every create (its record, then its completion), as plain SQL; checked
   * against the entity here, so a column renamed or gone stops the start, not the first create.
   */
  private readonly plain: PlainWrites<MeetingEntity>;

  /** The writes of timed Zoom events (`event_ts`): the newest event wins per field. */
  private readonly events: ZoomEventWrites;

  constructor(
    @InjectRepository(MeetingEntity) private readonly meetings: Repository<MeetingEntity>,
    private readonly clock: Clock,
  ) {
    this.plain = new PlainWrites(meetings, {
      set: [...MEETING_COLUMN_NAMES, 'status', 'failureReason', 'updatedAt', 'responseEncrypted'],
      match: ['id', 'status'],
    });
    this.events = new ZoomEventWrites(meetings, LIVE);
  }

  private now(): Date {
    return new Date(this.clock.now());
  }

  /** `manager`: the caller's transaction, if any. */
  async insert(record: MeetingEntity, manager?: EntityManager): Promise<void> {
    await this.plain.insert(record, manager);
  }

  findByZoomId(zoomMeetingId: string): Promise<MeetingEntity | null> {
    return this.meetings.findOneBy({ zoomMeetingId });
  }

  findById(id: string): Promise<MeetingEntity | null> {
    return this.meetings.findOneBy({ id });
  }

  findByKeyHash(idempotencyKeyHash: string): Promise<MeetingEntity | null> {
    return this.meetings.findOneBy({ idempotencyKeyHash });
  }

  existsByZoomId(zoomMeetingId: string): Promise<boolean> {
    return this.meetings.existsBy({ zoomMeetingId });
  }

  /** Frees an expired Idempotency-Key held by this record, so a new request can take it. */
  async releaseKey(id: string, keyHash: string): Promise<void> {
    await this.meetings.update(
      { id, idempotencyKeyHash: keyHash },
      { idempotencyKeyHash: null, responseEncrypted: null },
    );
  }

  /**
   * `creating` -> `active` with what Zoom answered (and the encrypted answer for replays);
   * `manager`: the caller's transaction, if any.
   */
  async complete(
    id: string,
    columns: MeetingColumns,
    responseEncrypted: string | null,
    manager?: EntityManager,
  ): Promise<boolean> {
    const changed = await this.plain.update(
      { id, status: 'creating' },
      {
        ...columns,
        status: 'active',
        failureReason: null,
        updatedAt: this.now(),
        responseEncrypted,
      },
      manager,
    );
    return changed > 0;
  }

  /** `creating` -> `failed`: Zoom made nothing, so the Idempotency-Key is released for a retry. */
  async fail(id: string, reason: string): Promise<boolean> {
    const result = await this.meetings.update(
      { id, status: 'creating' },
      {
        status: 'failed',
        failureReason: clip(reason, 'failureReason'),
        idempotencyKeyHash: null,
        updatedAt: this.now(),
      },
    );
    return (result.affected ?? 0) > 0;
  }

  /** Deletes a `creating` record (a claim whose call never left for Zoom); false when it moved on. */
  async deleteCreating(id: string): Promise<boolean> {
    const result = await this.meetings.delete({ id, status: 'creating' });
    return (result.affected ?? 0) > 0;
  }

  /**
   * Deletes up to `batch` `failed` records that failed before the cutoff; answers how many.
   * Ids first, then a delete by id: statements both engines run the same way.
   */
  async deleteFailedBefore(cutoff: Date, batch: number): Promise<number> {
    const rows = await this.meetings.find({
      select: { id: true },
      where: { status: 'failed', updatedAt: LessThan(cutoff) },
      take: batch,
    });
    if (rows.length === 0) return 0;
    const result = await this.meetings.delete({
      id: In(rows.map((r) => r.id)),
      status: 'failed',
    });
    return result.affected ?? 0;
  }

  /** A note on a record left `creating` whose outcome only reconciliation can tell. */
  async noteCreating(id: string, note: string): Promise<void> {
    await this.meetings.update(
      { id, status: 'creating' },
      { failureReason: clip(note, 'failureReason') },
    );
  }

  /**
   * `at`: when Zoom deleted it, for a deletion written late (a record repair); now by default.
   * A deletion is terminal whatever its `eventTs` (Zoom's `event_ts`, when it comes from an
   * event): it applies to any live record, and `zoom_event_ts` becomes the newer of the two;
   * the fields and their timestamps stay as they were.
   */
  async markDeleted(
    zoomMeetingId: string,
    reason: string,
    at?: Date,
    eventTs?: number,
  ): Promise<boolean> {
    const now = at ?? this.now();
    const deleted = {
      status: 'deleted' as const,
      deletedAt: now,
      updatedAt: now,
      deletionReason: clip(reason, 'deletionReason'),
    };
    const ts = eventTsValue(eventTs);
    if (ts === null) {
      const result = await this.meetings.update(
        { zoomMeetingId, status: In(LIVE), deletedAt: IsNull() },
        deleted,
      );
      return (result.affected ?? 0) > 0;
    }
    return this.events.markDeleted(zoomMeetingId, deleted, ts);
  }

  /**
   * A change from a Zoom event with its `event_ts` (see eventTsValue): each of the fields the
   * event carries that the record orders (topic, start time, duration, timezone) is set only
   * when the event is newer than the one that set it, in one conditional UPDATE (see
   * ZoomEventWrites), so replicas applying events of one meeting at once, in any order, leave
   * each field with the value of the newest event that carried it. False when nothing applied:
   * an unknown or deleted record, a repeat, an event whose every field a newer one already set.
   */
  applyEvent(zoomMeetingId: string, columns: MeetingColumns, eventTs: string): Promise<boolean> {
    return this.events.applyUpdate(zoomMeetingId, columns, eventTs, this.now());
  }

  /**
   * With `asOf` (a change Zoom accepted then, written late by a record repair): only while no
   * later write touched the record, which then says it changed at `asOf`; so a late change
   * never undoes a newer one, and of two late changes the newer wins in either order.
   */
  async applyChange(zoomMeetingId: string, columns: MeetingColumns, asOf?: Date): Promise<boolean> {
    const result = await this.meetings.update(
      asOf
        ? { zoomMeetingId, status: In(LIVE), updatedAt: LessThanOrEqual(asOf) }
        : { zoomMeetingId, status: In(LIVE) },
      { ...columns, updatedAt: asOf ?? this.now() },
    );
    return (result.affected ?? 0) > 0;
  }

  /** Records left `creating` since before the cutoff, oldest first, instant meetings aside. */
  creatingBefore(cutoff: Date, take: number): Promise<MeetingEntity[]> {
    return this.meetings
      .createQueryBuilder('m')
      .where('m.status = :status', { status: 'creating' })
      .andWhere('m.created_at <= :cutoff', { cutoff })
      .andWhere(new Brackets((w) => w.where('m.type IS NULL').orWhere('m.type <> :instant')))
      .setParameter('instant', INSTANT)
      .orderBy('m.created_at', 'ASC')
      .take(take)
      .getMany();
  }

  /** Instant meetings left `creating` since before the cutoff: no list can settle them. */
  instantCreatingBefore(cutoff: Date): Promise<number> {
    return this.meetings.countBy({
      status: 'creating',
      createdAt: LessThanOrEqual(cutoff),
      type: INSTANT,
    });
  }

  /** Which of these Zoom ids some record already holds. */
  async heldZoomIds(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.meetings.find({
      select: { zoomMeetingId: true },
      where: { zoomMeetingId: In(ids) },
    });
    return new Set(rows.map((r) => r.zoomMeetingId).filter((id): id is string => id !== null));
  }

  /** Forgets Idempotency-Keys past their expiry and the answers kept for them. */
  async expireKeys(): Promise<number> {
    const result = await this.meetings.update(
      {
        idempotencyExpiresAt: LessThanOrEqual(this.now()),
        status: Not('creating'),
      },
      { idempotencyKeyHash: null, idempotencyExpiresAt: null, responseEncrypted: null },
    );
    return result.affected ?? 0;
  }

  /** Newest first, keyset pagination on (created_at, id); one row more than asked tells of a next page. */
  page(filter: RecordsFilter): Promise<MeetingEntity[]> {
    const qb = this.meetings.createQueryBuilder('m');
    if (filter.userId) {
      qb.andWhere(
        new Brackets((w) =>
          w
            .where('LOWER(m.host_user) = LOWER(:user)')
            .orWhere('LOWER(m.host_email) = LOWER(:user)')
            .orWhere('m.host_id = :user'),
        ),
        { user: filter.userId },
      );
    }
    if (filter.status) qb.andWhere('m.status = :status', { status: filter.status });
    if (filter.createdBy) qb.andWhere('m.created_by = :createdBy', { createdBy: filter.createdBy });
    if (filter.from) qb.andWhere('m.created_at >= :from', { from: filter.from });
    if (filter.to) qb.andWhere('m.created_at < :to', { to: filter.to });
    if (filter.after) {
      qb.andWhere(
        new Brackets((w) =>
          w
            .where('m.created_at < :at')
            .orWhere(new Brackets((x) => x.where('m.created_at = :at').andWhere('m.id < :id'))),
        ),
        { at: filter.after.createdAt, id: filter.after.id },
      );
    }
    return qb
      .orderBy('m.created_at', 'DESC')
      .addOrderBy('m.id', 'DESC')
      .take(filter.limit + 1)
      .getMany();
  }

  // ------------------------------------------------------------ create attempts (heartbeat)

  /** Refreshes the heartbeat of these records' attempts, while they are still `creating`. */
  async beatAttempts(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.meetings.update(
      { id: In(ids), status: 'creating' },
      { attemptHeartbeatAt: this.now() },
    );
  }

  /**
   * Takes over a `creating` record whose attempt ended (heartbeat null) or whose replica stopped
   * beating (heartbeat before `staleBefore`): one conditional write, so of several retries and
   * reconciliation exactly one wins. False when the attempt is alive or the record moved on.
   */
  async takeOverAttempt(id: string, staleBefore: Date): Promise<boolean> {
    const result = await this.meetings
      .createQueryBuilder()
      .update()
      .set({ attemptHeartbeatAt: this.now() })
      .where('id = :id AND status = :status', { id, status: 'creating' })
      .andWhere('(attempt_heartbeat_at IS NULL OR attempt_heartbeat_at < :staleBefore)', {
        staleBefore,
      })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** A new call to Zoom's create for a record taken over: its start time is what Zoom's list is matched against. */
  async startAttempt(id: string): Promise<void> {
    const now = this.now();
    await this.meetings.update(
      { id, status: 'creating' },
      { attemptStartedAt: now, attemptHeartbeatAt: now },
    );
  }

  /** The attempt ended without a definite outcome: the record stays `creating`, free for a retry to resolve. */
  async endAttempt(id: string, note?: string): Promise<void> {
    await this.meetings.update(
      { id, status: 'creating' },
      {
        attemptHeartbeatAt: null,
        ...(note === undefined ? {} : { failureReason: clip(note, 'failureReason') }),
      },
    );
  }

  // ------------------------------------------------------------ meeting_checks (reconciliation)

  /** Drops check rows of records no longer active: one primary-key lookup per check row. */
  async pruneChecks(): Promise<void> {
    await this.meetings.manager
      .createQueryBuilder()
      .delete()
      .from('meeting_checks')
      .where(
        "EXISTS (SELECT 1 FROM meetings m WHERE m.id = meeting_checks.meeting_id AND m.status <> 'active')",
      )
      .execute();
  }

  /** Active records starting within [from, to] (or with no known start), least recently checked first. */
  checkCandidates(from: Date, to: Date, limit: number): Promise<CheckCandidate[]> {
    return this.meetings.manager
      .createQueryBuilder()
      .select(['m.id AS id', 'm.zoom_meeting_id AS zoom_meeting_id', 'm.topic AS topic'])
      .addSelect(['m.duration AS duration', 'm.timezone AS timezone', 'm.start_time AS start_time'])
      .from('meetings', 'm')
      .leftJoin('meeting_checks', 'c', 'c.meeting_id = m.id')
      .where("m.status = 'active'")
      .andWhere('m.zoom_meeting_id IS NOT NULL')
      .andWhere('(m.start_time IS NULL OR (m.start_time >= :from AND m.start_time <= :to))', {
        from,
        to,
      })
      .orderBy('CASE WHEN c.checked_at IS NULL THEN 0 ELSE 1 END', 'ASC')
      .addOrderBy('c.checked_at', 'ASC')
      .addOrderBy('m.created_at', 'ASC')
      .limit(limit)
      .getRawMany<CheckCandidate>();
  }

  async recordCheck(meetingId: string, outcome: CheckOutcome): Promise<void> {
    await this.meetings.manager
      .createQueryBuilder()
      .insert()
      .into('meeting_checks', ['meeting_id', 'checked_at', 'outcome'])
      .values({ meeting_id: meetingId, checked_at: this.now(), outcome })
      .orUpdate(['checked_at', 'outcome'], ['meeting_id'])
      .execute();
  }
}
