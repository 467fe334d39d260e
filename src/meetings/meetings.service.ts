import { Injectable, Logger } from '@nestjs/common';
import type { Caller } from '../access/caller.js';
import { DomainError, ErrorCode, errorMessage, ZoomApiError } from '../common/errors/index.js';
import { RateLimitGovernor } from '../zoom/api/rate-limit-governor.js';
import { queryString, ZoomApiClient, zoomAnswerHeaders } from '../zoom/api/zoom-api.client.js';
import type { ZoomQuery, ZoomResponse } from '../zoom/api/zoom-api.types.js';
import type { MeetingBody } from './dto/meeting-body.schema.js';
import type { MeetingEntity } from './meeting.entity.js';
import { IdempotencyService, type ZoomAnswer } from './idempotency.service.js';
import { MeetingLifecycle } from './meeting-lifecycle.service.js';
import { MeetingsRepository } from './meetings.repository.js';
import { ZoomReadCache } from '../zoom/cache/zoom-read-cache.js';
import { ZoomMeetingFinder } from './reconciliation/zoom-meeting-finder.js';
import {
  getMeetingRequest,
  type ZoomListItem,
  type ZoomMeeting,
  zoomIdString,
  zoomJson,
} from './zoom-meeting.js';

/**
 * How a create's call to Zoom holds its record: `new` writes it once the governor admitted the
 * call; `claimed` (an Idempotency-Key's row, written first so a retry waits rather than
 * duplicates) is deleted when the call is refused before it leaves; `retaken` (a record an
 * earlier attempt left) is failed as any record Zoom made nothing for.
 */
type CreateAttempt =
  { kind: 'new'; caller: Caller } | { kind: 'claimed' | 'retaken'; record: MeetingEntity };

/** A create's record while its call is made: none yet for `new` until the call is admitted. */
interface HeldRecord {
  record: MeetingEntity | undefined;
  /** The governor admitted the call and it left (or was about to leave) for Zoom. */
  sent: boolean;
  stopBeating: () => void;
}

/**
 * Zoom's meetings routes through the gateway: every create is recorded once the governor admits
 * its call, just before Zoom is called, and completed after, so a call refused locally leaves no
 * record; deletes, updates and Zoom's 3001 keep the records true. A call scoped to one occurrence
 * of a recurring meeting (`occurrence_id`) leaves the record of the whole meeting as it is.
 */
@Injectable()
export class MeetingsService {
  private readonly logger = new Logger(MeetingsService.name);

  constructor(
    private readonly zoom: ZoomApiClient,
    private readonly governor: RateLimitGovernor,
    private readonly records: MeetingsRepository,
    private readonly lifecycle: MeetingLifecycle,
    private readonly idempotency: IdempotencyService,
    private readonly cache: ZoomReadCache,
    private readonly finder: ZoomMeetingFinder,
  ) {}

  async create(
    caller: Caller,
    userId: string,
    body: MeetingBody,
    idempotencyKey?: string,
  ): Promise<ZoomAnswer> {
    // A user Zoom has capped for today is answered here: no record, no call.
    await this.governor.assertNotBlocked({
      method: 'POST',
      path: createPath(userId),
    });
    if (idempotencyKey === undefined)
      return this.callZoomCreate({ kind: 'new', caller }, userId, body);
    const claim = await this.idempotency.claim(caller, userId, body, idempotencyKey);
    if ('replay' in claim) return claim.replay;
    if ('takeover' in claim) return this.settleTakenOver(claim.takeover, userId, body);
    return this.callZoomCreate({ kind: 'claimed', record: claim.record }, userId, body);
  }

  /** Zoom's meeting, from the read-through cache within CACHE_TTL_SECONDS unless `bypassCache`. */
  async get(
    meetingId: string,
    query: ZoomQuery,
    bypassCache = false,
    app?: string,
  ): Promise<ZoomAnswer> {
    const path = `/meetings/${meetingId}`;
    const search = new URLSearchParams(queryString(query)).toString();
    const hit = await this.cache.read(path, search, bypassCache);
    if (hit) return { status: 200, json: hit.body, headers: hit.headers };
    const response = await this.withGoneTracking(meetingId, () =>
      this.zoom.request(getMeetingRequest(meetingId, { query, app })),
    );
    // Zoom's meeting object as Zoom wrote it (its int64 ids untouched); re-serialized only when
    // the body does not look like a JSON object.
    const text = response.text;
    const json =
      text?.startsWith('{') && text.trimEnd().endsWith('}') ? text : zoomJson(response.data);
    const headers = zoomAnswerHeaders(response.headers);
    await this.cache.keep(
      path,
      search,
      { status: response.status, contentType: 'application/json', body: json },
      headers,
    );
    return { status: response.status, json, headers };
  }

  async update(
    meetingId: string,
    body: MeetingBody,
    query: ZoomQuery,
    app?: string,
  ): Promise<ZoomAnswer> {
    const record = await this.records.findByZoomId(meetingId);
    const response = await this.withGoneTracking(meetingId, () =>
      this.zoom.request({
        method: 'PATCH',
        path: `/meetings/${meetingId}`,
        query,
        body,
        // Zoom's update counts against its host's daily 100: the host is the record's, not in the path.
        dailyLimitUser: record?.hostUser,
        app,
      }),
    );
    await this.cache.invalidateMeeting(meetingId);
    // One occurrence changed: the record describes the whole series, which did not change.
    // Zoom applied it: the caller gets Zoom's answer even when the record write fails (repaired later).
    if (record && query.occurrence_id === undefined)
      await this.lifecycle.followZoom({ kind: 'update', meetingId, change: body });
    return { status: 204, json: '', headers: zoomAnswerHeaders(response.headers) };
  }

  async delete(caller: Caller, meetingId: string, query: ZoomQuery): Promise<ZoomAnswer> {
    const response = await this.withGoneTracking(meetingId, () =>
      this.zoom.request({
        method: 'DELETE',
        path: `/meetings/${meetingId}`,
        query,
        app: caller.name,
      }),
    );
    await this.cache.invalidateMeeting(meetingId);
    // One occurrence deleted: the meeting and its other occurrences live on.
    if (query.occurrence_id === undefined)
      await this.lifecycle.followZoom({
        kind: 'delete',
        meetingId,
        reason: `deleted through the gateway by ${caller.name}`,
      });
    return { status: 204, json: '', headers: zoomAnswerHeaders(response.headers) };
  }

  async listZoom(userId: string, query: ZoomQuery, app?: string): Promise<ZoomAnswer> {
    const response = await this.zoom.request({
      method: 'GET',
      path: `/users/${encodeURIComponent(userId)}/meetings`,
      query,
      app,
    });
    return {
      status: response.status,
      json: zoomJson(response.data),
      headers: zoomAnswerHeaders(response.headers),
    };
  }

  private async callZoomCreate(
    attempt: CreateAttempt,
    userId: string,
    body: MeetingBody,
  ): Promise<ZoomAnswer> {
    const held: HeldRecord = {
      record: attempt.kind === 'new' ? undefined : attempt.record,
      sent: false,
      stopBeating: () => undefined,
    };
    // The record says "still running" while the call is in flight, so a retry waits rather than guesses.
    if (held.record) held.stopBeating = this.lifecycle.keepAttemptsAlive([held.record.id]);
    let response: ZoomResponse<ZoomMeeting>;
    try {
      response = await this.zoom.request<ZoomMeeting>({
        method: 'POST',
        path: createPath(userId),
        body,
        // The app that asked: its fair share of the limits.
        app: attempt.kind === 'new' ? attempt.caller.name : attempt.record.createdBy,
        // Admitted: the call leaves for Zoom right after this, so now it gets its record.
        onAdmitted: async () => {
          if (attempt.kind === 'new') {
            const record = await this.lifecycle.begin(attempt.caller, userId, body);
            held.record = record;
            held.stopBeating = this.lifecycle.keepAttemptsAlive([record.id]);
          }
          held.sent = true;
        },
      });
    } catch (error) {
      await this.settleUnanswered(attempt.kind, held, error);
      throw error;
    } finally {
      held.stopBeating();
    }
    const meeting = response.data;
    const json = zoomJson(meeting);
    const record = held.record;
    if (!record) {
      // Only a client that skipped onAdmitted gets here: the meeting exists, reconciliation cannot see it.
      this.logger.error('Meeting created in Zoom without a record: the call was never admitted');
    } else {
      try {
        await this.lifecycle.complete(record, meeting, this.idempotency.sealResponse(record, json));
      } catch (error) {
        // The meeting exists in Zoom: the caller gets it; reconciliation will complete the record.
        this.logger.error(
          `Meeting created in Zoom but its record ${record.id} could not be completed: ${errorMessage(error)}`,
        );
      }
    }
    return { status: 201, json, headers: zoomAnswerHeaders(response.headers) };
  }

  /**
   * A create's call ended without Zoom's 2xx. Never sent (refused by the governor, at shutdown,
   * no token): a new record was never written, an Idempotency-Key's claim is deleted (a retry
   * waiting on it takes the key afresh), a retaken record is failed. Sent: `failed` when Zoom
   * certainly made nothing, else left `creating` for a retry or reconciliation to settle.
   */
  private async settleUnanswered(
    kind: CreateAttempt['kind'],
    held: HeldRecord,
    error: unknown,
  ): Promise<void> {
    const record = held.record;
    if (!record) return;
    const reason = describeFailure(error);
    if (!held.sent && kind === 'claimed') {
      await this.lifecycle
        .discardClaim(record)
        .catch((e: unknown) =>
          this.logger.error(
            `Could not remove record ${record.id} of a create never sent: ${errorMessage(e)}`,
          ),
        );
    } else if (!held.sent || provesNothingCreated(error)) {
      await this.lifecycle
        .fail(record, reason)
        .catch((e: unknown) =>
          this.logger.error(
            `Could not mark meeting record ${record.id} failed: ${errorMessage(e)}`,
          ),
        );
    } else {
      // No answer, or a 5xx: Zoom may have created it. The record stays `creating` for reconciliation.
      await this.lifecycle.outcomeUnknown(record, reason).catch(() => undefined);
    }
  }

  /**
   * A retry took over a record whose attempt ended without a definite outcome (a 5xx, a timeout,
   * a crash): the meeting Zoom made for it is looked up as reconciliation does. Found, it is the
   * answer (the first attempt's meeting); not found, Zoom made nothing and a new attempt is made.
   * Zoom unable to list now decides nothing: the error is answered and the record left for the next retry.
   */
  private async settleTakenOver(
    record: MeetingEntity,
    userId: string,
    body: MeetingBody,
  ): Promise<ZoomAnswer> {
    const stopBeating = this.lifecycle.keepAttemptsAlive([record.id]);
    let found: ZoomListItem | undefined;
    try {
      found = await this.finder.find(record);
    } catch (error) {
      await this.lifecycle.releaseAttempt(record).catch(() => undefined);
      throw error;
    } finally {
      stopBeating();
    }
    if (found) return this.answerFound(record, found);
    await this.lifecycle.startAttempt(record);
    this.logger.log(`No meeting in Zoom for record ${record.id}: a retry makes a new attempt`);
    return this.callZoomCreate({ kind: 'retaken', record }, userId, body);
  }

  /** The meeting an earlier attempt made: Zoom's full object when it answers (the list lacks start_url), recorded and replayed. */
  private async answerFound(record: MeetingEntity, found: ZoomListItem): Promise<ZoomAnswer> {
    let meeting: ZoomMeeting = found;
    let headers: Record<string, string> = {};
    const id = zoomIdString(found.id);
    if (id !== null) {
      try {
        const response = await this.zoom.request<ZoomMeeting>(getMeetingRequest(id));
        meeting = response.data;
        headers = zoomAnswerHeaders(response.headers);
      } catch (error) {
        this.logger.warn(
          `Meeting ${id} found in Zoom's list, but not read: ${errorMessage(error)}`,
        );
      }
    }
    const json = zoomJson(meeting);
    try {
      await this.lifecycle.complete(record, meeting, this.idempotency.sealResponse(record, json));
    } catch (error) {
      this.logger.error(
        `Meeting ${id} found in Zoom for record ${record.id}, but the record could not be completed: ${errorMessage(error)}`,
      );
      await this.lifecycle.releaseAttempt(record).catch(() => undefined);
    }
    this.logger.log(`Record ${record.id}: a retry found the meeting ${id} an earlier attempt made`);
    return { status: 201, json, replayed: true, headers };
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
        await this.lifecycle
          .markDeletedByZoom(meetingId, 'Zoom answered 3001: meeting does not exist')
          .catch(() => false);
      }
      throw error;
    }
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

function describeFailure(error: unknown): string {
  if (error instanceof ZoomApiError) {
    return `Zoom answered ${error.httpStatus}${error.zoomBody?.code !== undefined ? `/${error.zoomBody.code}` : ''}: ${error.message}`;
  }
  return errorMessage(error);
}

/** Where a create goes: the user as Zoom names users in paths (`me`, an id, an email, encoded). */
function createPath(userId: string): string {
  return `/users/${encodeURIComponent(userId)}/meetings`;
}
