import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { In, IsNull, LessThanOrEqual, type Repository } from 'typeorm';
import type { Caller } from '../auth/api-key.service.js';
import { Clock } from '../common/clock.js';
import { EncryptionService, sha256Hex } from '../common/crypto/encryption.service.js';
import { DomainError, ErrorCode, ZoomApiError } from '../common/errors/index.js';
import { RateLimitGovernor } from '../zoom/api/rate-limit-governor.js';
import { ZoomApiClient } from '../zoom/api/zoom-api.client.js';
import type { ZoomQuery } from '../zoom/api/zoom-api.types.js';
import type { MeetingBody } from './dto/meeting-body.schema.js';
import { MeetingEntity } from './meeting.entity.js';
import { matchCreatingRecord, type ZoomListItem } from './meeting-matching.js';
import { canonicalJson, isUniqueViolation, zoomIdString } from './meetings.util.js';

/** Zoom's meeting object, as far as the gateway reads it (the rest is relayed untouched). */
/** Zoom's meeting object: a list entry plus the host's email. */
export interface ZoomMeeting extends ZoomListItem {
  host_email?: string;
}

/** Fields of a meeting as Zoom (a webhook or a PATCH body) describes a change; others are ignored. */
export type ZoomMeetingFields = Partial<
  Record<'topic' | 'type' | 'start_time' | 'duration' | 'timezone' | 'join_url', unknown>
>;

export interface CreateOutcome {
  status: number;
  /** The JSON text to answer: Zoom's own, so its int64 id is relayed exactly as it came. */
  json: string;
  /** True when the answer is a stored one for a repeated Idempotency-Key. */
  replayed: boolean;
}

export interface ReconcileResult {
  examined: number;
  active: number;
  failed: number;
  pending: number;
}

const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/** How long a retry waits for the first request with its key to finish before answering 409. */
const IN_FLIGHT_WAIT_MS = 20_000;
const IN_FLIGHT_POLL_MS = 100;
const RESPONSE_AAD = 'meetings:create-response';
const RECONCILE_BATCH = 200;
const RECONCILE_MAX_PAGES = 10;

/**
 * The meetings API's rules: every create is recorded before Zoom is called and completed after;
 * Idempotency-Keys make retries safe across replicas; deletes and Zoom's 3001 keep records true.
 */
@Injectable()
export class MeetingsService {
  private readonly logger = new Logger(MeetingsService.name);

  constructor(
    @InjectRepository(MeetingEntity) private readonly meetings: Repository<MeetingEntity>,
    private readonly zoom: ZoomApiClient,
    private readonly governor: RateLimitGovernor,
    private readonly encryption: EncryptionService,
    private readonly clock: Clock,
  ) {}

  // ------------------------------------------------------------------ /v2: Zoom's surface

  async create(
    caller: Caller,
    userId: string,
    body: MeetingBody,
    idempotencyKey?: string,
  ): Promise<CreateOutcome> {
    // A user Zoom has capped for today is answered here: no record, no call.
    await this.governor.assertNotBlocked({ category: 'medium', dailyLimitUser: userId });
    const requestHash = sha256Hex(canonicalJson({ userId: userId.toLowerCase(), body }));
    let record: MeetingEntity;
    if (idempotencyKey === undefined) {
      record = await this.insertCreating(caller, userId, body, null, null);
    } else {
      const keyHash = sha256Hex(`${caller.name}\n${idempotencyKey}`);
      const claim = await this.claimKey(caller, userId, body, keyHash, requestHash);
      if ('replay' in claim) return claim.replay;
      record = claim.record;
    }
    return this.callZoomCreate(record, userId, body);
  }

  async get(meetingId: string, query: ZoomQuery): Promise<unknown> {
    const response = await this.withGoneTracking(meetingId, () =>
      this.zoom.request({
        method: 'GET',
        path: `/meetings/${meetingId}`,
        query,
        category: 'light',
        route: 'GET /meetings/:meetingId',
      }),
    );
    return response.data;
  }

  async update(meetingId: string, body: MeetingBody, query: ZoomQuery): Promise<void> {
    const record = await this.meetings.findOneBy({ zoomMeetingId: meetingId });
    await this.withGoneTracking(meetingId, () =>
      this.zoom.request({
        method: 'PATCH',
        path: `/meetings/${meetingId}`,
        query,
        body,
        // Zoom's docs label "Update a meeting" Light; it also counts against the host's daily 100.
        category: 'light',
        dailyLimitUser: record?.hostUser,
        route: 'PATCH /meetings/:meetingId',
      }),
    );
    if (record && query.occurrence_id === undefined) await this.applyZoomUpdate(meetingId, body);
  }

  async delete(caller: Caller, meetingId: string, query: ZoomQuery): Promise<void> {
    const wholeMeeting = query.occurrence_id === undefined;
    await this.withGoneTracking(meetingId, () =>
      this.zoom.request({
        method: 'DELETE',
        path: `/meetings/${meetingId}`,
        query,
        category: 'light',
        route: 'DELETE /meetings/:meetingId',
      }),
    );
    if (wholeMeeting)
      await this.markDeleted(meetingId, `deleted through the gateway by ${caller.name}`);
  }

  async listZoom(userId: string, query: ZoomQuery): Promise<unknown> {
    const response = await this.zoom.request({
      method: 'GET',
      path: `/users/${encodeURIComponent(userId)}/meetings`,
      query,
      category: 'medium',
      route: 'GET /users/:userId/meetings',
    });
    return response.data;
  }

  // ------------------------------------------------------------------ hooks for webhooks and reconciliation

  /** Zoom says the meeting is gone (webhook `meeting.deleted`, or a 3001): the record follows. */
  async markDeletedByZoom(meetingId: string, reason: string): Promise<boolean> {
    return this.markDeleted(meetingId, reason);
  }

  /** Zoom changed the meeting (webhook `meeting.updated`, or a PATCH through us): copy the recorded fields. */
  async applyZoomUpdate(meetingId: string, fields: ZoomMeetingFields): Promise<boolean> {
    const changes: Partial<MeetingEntity> = {};
    if (typeof fields.topic === 'string') changes.topic = fields.topic.slice(0, 200);
    if (fields.type !== undefined && Number.isInteger(Number(fields.type)))
      changes.type = Number(fields.type);
    if (fields.duration !== undefined && Number.isInteger(Number(fields.duration)))
      changes.duration = Number(fields.duration);
    if (typeof fields.timezone === 'string' && fields.timezone)
      changes.timezone = fields.timezone.slice(0, 64);
    if (typeof fields.join_url === 'string') changes.joinUrl = fields.join_url.slice(0, 1024);
    if (typeof fields.start_time === 'string') {
      const start = utcStart(fields.start_time);
      if (start) changes.startTime = start;
    }
    if (Object.keys(changes).length === 0) return false;
    const result = await this.meetings.update(
      { zoomMeetingId: meetingId, status: In(['active', 'creating']) },
      { ...changes, updatedAt: new Date(this.clock.now()) },
    );
    return (result.affected ?? 0) > 0;
  }

  /**
   * Records a meeting made outside the gateway (webhook `meeting.created`, only with
   * ZOOM_WEBHOOK_ADOPT_CREATED) as `active`, created by `zoom:adopted`. False when a record for
   * this Zoom id already exists; the unique index makes concurrent deliveries adopt it once.
   * (Added for the webhooks, issue 7.)
   */
  async adoptFromZoom(meeting: ZoomMeeting): Promise<boolean> {
    const zoomId = zoomIdString(meeting.id);
    if (zoomId === null) return false;
    if (await this.meetings.existsBy({ zoomMeetingId: zoomId })) return false;
    const now = new Date(this.clock.now());
    try {
      await this.meetings.insert({
        id: randomUUID(),
        zoomMeetingId: zoomId,
        zoomUuid: meeting.uuid ?? null,
        hostUser: meeting.host_id ?? meeting.host_email ?? 'unknown',
        hostId: meeting.host_id ?? null,
        hostEmail: meeting.host_email ?? null,
        topic: meeting.topic?.slice(0, 200) ?? null,
        type: typeof meeting.type === 'number' ? meeting.type : null,
        startTime: typeof meeting.start_time === 'string' ? utcStart(meeting.start_time) : null,
        duration: typeof meeting.duration === 'number' ? meeting.duration : null,
        timezone: meeting.timezone?.slice(0, 64) ?? null,
        joinUrl: meeting.join_url?.slice(0, 1024) ?? null,
        status: 'active',
        createdBy: 'zoom:adopted',
        createdAt: now,
        updatedAt: now,
        deletedAt: null,
        deletionReason: null,
        failureReason: null,
        idempotencyKeyHash: null,
        requestHash: null,
        idempotencyExpiresAt: null,
        responseEncrypted: null,
      });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /**
   * Resolves `creating` records older than `olderThanMs` (a younger one may still be in flight
   * on another replica): the user's meetings are listed in Zoom and a meeting Zoom made for the
   * record is recognised by topic, type, start time, duration and a creation time close to the
   * record's (see meeting-matching.ts). Found -> `active` with Zoom's id; not found -> `failed`.
   * A user Zoom cannot list right now leaves its records `creating` for the next run.
   */
  async reconcileCreating(options: { olderThanMs?: number } = {}): Promise<ReconcileResult> {
    await this.expireIdempotencyKeys();
    const cutoff = new Date(this.clock.now() - (options.olderThanMs ?? 120_000));
    const pending = await this.meetings.find({
      where: { status: 'creating', createdAt: LessThanOrEqual(cutoff) },
      order: { createdAt: 'ASC' },
      take: RECONCILE_BATCH,
    });
    const result: ReconcileResult = { examined: pending.length, active: 0, failed: 0, pending: 0 };
    const byUser = new Map<string, MeetingEntity[]>();
    for (const record of pending)
      byUser.set(record.hostUser, [...(byUser.get(record.hostUser) ?? []), record]);
    for (const [user, records] of byUser) {
      let items: ZoomListItem[];
      try {
        items = await this.listAllForReconcile(user);
      } catch (error) {
        if (error instanceof ZoomApiError && error.httpStatus === 404) {
          items = []; // 1001: the user does not exist, so Zoom made nothing for it
        } else {
          this.logger.warn(
            `Reconciliation could not list meetings of ${user}: ${errorMessage(error)}`,
          );
          result.pending += records.length;
          continue;
        }
      }
      const known = new Set(
        (
          await this.meetings.find({
            select: { zoomMeetingId: true },
            where: {
              zoomMeetingId: In(
                items.map((i) => zoomIdString(i.id)).filter((id): id is string => id !== null),
              ),
            },
          })
        ).map((r) => r.zoomMeetingId),
      );
      const available = items.filter((item) => {
        const id = zoomIdString(item.id);
        return id !== null && !known.has(id);
      });
      for (const record of records) {
        const match = matchCreatingRecord(record, available);
        if (match) {
          available.splice(available.indexOf(match), 1);
          const done = await this.completeRecord(record, match, null, 'creating');
          if (done) result.active++;
        } else {
          const done = await this.failRecord(
            record,
            'Not found in Zoom by reconciliation: the create did not take effect.',
          );
          if (done) result.failed++;
        }
      }
    }
    if (pending.length) this.logger.log(`Reconciled creating meetings: ${JSON.stringify(result)}`);
    return result;
  }

  /**
   * Forgets Idempotency-Keys older than 24 h and the stored answers that went with them (a
   * reused expired key is also released on the spot by the create itself). Runs with reconciliation.
   */
  async expireIdempotencyKeys(): Promise<number> {
    const result = await this.meetings.update(
      {
        idempotencyExpiresAt: LessThanOrEqual(new Date(this.clock.now())),
        status: In(['active', 'deleted', 'failed']),
      },
      { idempotencyKeyHash: null, idempotencyExpiresAt: null, responseEncrypted: null },
    );
    return result.affected ?? 0;
  }

  // ------------------------------------------------------------------ internals

  private async insertCreating(
    caller: Caller,
    userId: string,
    body: MeetingBody,
    keyHash: string | null,
    requestHash: string | null,
  ): Promise<MeetingEntity> {
    const now = new Date(this.clock.now());
    const record = this.meetings.create({
      id: randomUUID(),
      zoomMeetingId: null,
      zoomUuid: null,
      hostUser: userId,
      hostId: null,
      hostEmail: null,
      topic: body.topic ?? null,
      type: body.type !== undefined ? Number(body.type) : null,
      startTime: body.start_time ? utcStart(body.start_time) : null,
      duration: body.duration !== undefined ? Number(body.duration) : null,
      timezone: body.timezone || null,
      joinUrl: null,
      status: 'creating',
      createdBy: caller.name,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      deletionReason: null,
      failureReason: null,
      idempotencyKeyHash: keyHash,
      requestHash,
      idempotencyExpiresAt: keyHash ? new Date(now.getTime() + IDEMPOTENCY_TTL_MS) : null,
      responseEncrypted: null,
    });
    await this.meetings.insert(record);
    return record;
  }

  /**
   * Takes the Idempotency-Key for this request (the unique index makes the first writer in the
   * fleet win) or answers what the first request with the key answered.
   */
  private async claimKey(
    caller: Caller,
    userId: string,
    body: MeetingBody,
    keyHash: string,
    requestHash: string,
  ): Promise<{ record: MeetingEntity } | { replay: CreateOutcome }> {
    const waitUntil = this.clock.now() + IN_FLIGHT_WAIT_MS;
    for (;;) {
      try {
        return { record: await this.insertCreating(caller, userId, body, keyHash, requestHash) };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
      const existing = await this.meetings.findOneBy({ idempotencyKeyHash: keyHash });
      if (!existing) continue; // released meanwhile (failed or expired): try to take it
      if (
        existing.idempotencyExpiresAt &&
        existing.idempotencyExpiresAt.getTime() <= this.clock.now()
      ) {
        await this.meetings.update(
          { id: existing.id, idempotencyKeyHash: keyHash },
          { idempotencyKeyHash: null, responseEncrypted: null },
        );
        continue;
      }
      if (existing.requestHash !== requestHash) {
        throw new DomainError(
          ErrorCode.IdempotencyKeyReused,
          'This Idempotency-Key was already used with a different request (user or body) in the last 24 hours; use a new key for a new meeting.',
        );
      }
      if (existing.status !== 'creating') return { replay: this.replay(existing) };
      if (this.clock.now() >= waitUntil) {
        throw new DomainError(
          ErrorCode.IdempotencyInProgress,
          'A request with this Idempotency-Key is still being processed; retry with the same key shortly.',
          { headers: { 'Retry-After': '2' } },
        );
      }
      await this.clock.sleep(IN_FLIGHT_POLL_MS);
    }
  }

  private replay(record: MeetingEntity): CreateOutcome {
    if (record.responseEncrypted) {
      const json = this.encryption.decrypt(
        record.responseEncrypted,
        `${RESPONSE_AAD}:${record.id}`,
      );
      return { status: 201, json, replayed: true };
    }
    // Completed by reconciliation: Zoom's original answer was never seen; answer what is recorded.
    // The int64 id is written as a JSON number from its digits, never through a JS number.
    const placeholder = `zoom-meeting-id-${randomUUID()}`;
    const json = JSON.stringify({
      id: placeholder,
      uuid: record.zoomUuid,
      host_id: record.hostId,
      host_email: record.hostEmail,
      topic: record.topic,
      type: record.type,
      start_time: record.startTime ? zoomTime(record.startTime) : undefined,
      duration: record.duration,
      timezone: record.timezone,
      join_url: record.joinUrl,
    }).replace(`"${placeholder}"`, record.zoomMeetingId ?? 'null');
    return { status: 201, json, replayed: true };
  }

  private async callZoomCreate(
    record: MeetingEntity,
    userId: string,
    body: MeetingBody,
  ): Promise<CreateOutcome> {
    let meeting: ZoomMeeting;
    try {
      const response = await this.zoom.request<ZoomMeeting>({
        method: 'POST',
        path: `/users/${encodeURIComponent(userId)}/meetings`,
        body,
        category: 'medium',
        dailyLimitUser: userId,
        route: 'POST /users/:userId/meetings',
      });
      meeting = response.data;
    } catch (error) {
      if (provesNothingCreated(error)) {
        await this.failRecord(record, describeFailure(error)).catch((e: Error) =>
          this.logger.error(`Could not mark meeting record ${record.id} failed: ${e.message}`),
        );
      } else {
        // No answer, or a 5xx: Zoom may have created it. The record stays `creating` for reconciliation.
        await this.meetings
          .update(
            { id: record.id, status: 'creating' },
            { failureReason: `Outcome unknown: ${describeFailure(error)}` },
          )
          .catch(() => undefined);
      }
      throw error;
    }
    try {
      await this.completeRecord(record, meeting, meeting, 'creating');
    } catch (error) {
      // The meeting exists in Zoom: the caller gets it; reconciliation will complete the record.
      this.logger.error(
        `Meeting created in Zoom but its record ${record.id} could not be completed: ${errorMessage(error)}`,
      );
    }
    return { status: 201, json: JSON.stringify(meeting), replayed: false };
  }

  private async completeRecord(
    record: MeetingEntity,
    meeting: ZoomMeeting | ZoomListItem,
    response: unknown,
    from: 'creating',
  ): Promise<boolean> {
    const zoomId = zoomIdString(meeting.id);
    if (zoomId === null) {
      this.logger.error(
        `Zoom answered meeting record ${record.id} with an id that is not an exact integer; left creating`,
      );
      return false;
    }
    const start = typeof meeting.start_time === 'string' ? utcStart(meeting.start_time) : null;
    const full = meeting as ZoomMeeting;
    const result = await this.meetings.update(
      { id: record.id, status: from },
      {
        status: 'active',
        zoomMeetingId: zoomId,
        zoomUuid: meeting.uuid ?? null,
        hostId: meeting.host_id ?? null,
        hostEmail: full.host_email ?? null,
        topic: meeting.topic?.slice(0, 200) ?? record.topic,
        type: typeof meeting.type === 'number' ? meeting.type : record.type,
        startTime: start ?? record.startTime,
        duration: typeof meeting.duration === 'number' ? meeting.duration : record.duration,
        timezone: meeting.timezone ?? record.timezone,
        joinUrl: meeting.join_url ?? null,
        failureReason: null,
        updatedAt: new Date(this.clock.now()),
        responseEncrypted:
          response !== null && record.idempotencyKeyHash
            ? this.encryption.encrypt(JSON.stringify(response), `${RESPONSE_AAD}:${record.id}`)
            : null,
      },
    );
    return (result.affected ?? 0) > 0;
  }

  /** Failed means Zoom made nothing: the Idempotency-Key is released so a retry can try again. */
  private async failRecord(record: MeetingEntity, reason: string): Promise<boolean> {
    const result = await this.meetings.update(
      { id: record.id, status: 'creating' },
      {
        status: 'failed',
        failureReason: reason.slice(0, 512),
        idempotencyKeyHash: null,
        updatedAt: new Date(this.clock.now()),
      },
    );
    return (result.affected ?? 0) > 0;
  }

  private async markDeleted(meetingId: string, reason: string): Promise<boolean> {
    const now = new Date(this.clock.now());
    const result = await this.meetings.update(
      { zoomMeetingId: meetingId, status: In(['active', 'creating']), deletedAt: IsNull() },
      { status: 'deleted', deletedAt: now, updatedAt: now, deletionReason: reason.slice(0, 256) },
    );
    return (result.affected ?? 0) > 0;
  }

  /** Zoom's 404 with code 3001 proves the meeting is gone: the record follows, the 404 is relayed. */
  private async withGoneTracking<T>(meetingId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (
        error instanceof ZoomApiError &&
        error.httpStatus === 404 &&
        error.zoomBody?.code === 3001
      ) {
        await this.markDeleted(meetingId, 'Zoom answered 3001: meeting does not exist').catch(
          () => false,
        );
      }
      throw error;
    }
  }

  private async listAllForReconcile(user: string): Promise<ZoomListItem[]> {
    const byId = new Map<string, ZoomListItem>();
    for (const type of ['scheduled', 'upcoming']) {
      let token: string | undefined;
      for (let page = 0; page < RECONCILE_MAX_PAGES; page++) {
        const response = await this.zoom.request<{
          meetings?: ZoomListItem[];
          next_page_token?: string;
        }>({
          method: 'GET',
          path: `/users/${encodeURIComponent(user)}/meetings`,
          query: { type, page_size: 300, next_page_token: token },
          category: 'medium',
          route: 'GET /users/:userId/meetings',
        });
        for (const item of response.data.meetings ?? []) {
          const id = zoomIdString(item.id);
          if (id !== null) byId.set(id, item);
        }
        token = response.data.next_page_token || undefined;
        if (!token) break;
      }
    }
    return [...byId.values()];
  }
}

/** Errors after which Zoom certainly made nothing: Zoom's 4xx refusals and the gateway's own refusals. */
function provesNothingCreated(error: unknown): boolean {
  if (error instanceof ZoomApiError) return error.httpStatus >= 400 && error.httpStatus < 500;
  if (error instanceof DomainError) {
    return ![
      ErrorCode.ZoomUnavailable,
      ErrorCode.ZoomUnreachable,
      ErrorCode.ZoomTimeout,
      ErrorCode.Internal,
    ].includes(error.code);
  }
  return false;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describeFailure(error: unknown): string {
  if (error instanceof ZoomApiError) {
    return `Zoom answered ${error.httpStatus}${error.zoomBody?.code !== undefined ? `/${error.zoomBody.code}` : ''}: ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** A Zoom `start_time` as a UTC instant, when it carries its zone (`...Z`); local times stay unknown. */
function utcStart(value: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms);
}

function zoomTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
