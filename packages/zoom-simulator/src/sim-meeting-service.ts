// The Meetings API: create, get, update, delete and list a user's meetings.
import type { RouteContext } from './sim-http.js';
import { validateMeetingBody, type MeetingInput } from './sim-meeting-input.js';
import type { MeetingEvents } from './sim-meeting-events.js';
import {
  applyUpdate,
  asOccurrence,
  buildMeeting,
  isListType,
  listItem,
  matchesListType,
  newMeetingId,
  type ZoomMeeting,
} from './sim-meetings.js';
import { zoomTime } from './sim-meeting-input.js';
import type { Occurrence } from './sim-occurrences.js';
import { pageOf, readPage } from './sim-paging.js';
import type { SimUser } from './sim-types.js';
import type { UserDirectory } from './sim-users.js';
import { meetingNotFound, userNotFound } from './zoom-responses.js';

export interface MeetingRecord {
  meeting: ZoomMeeting;
  hostId: string;
}

const pick = (o: Occurrence) => ({ start_time: o.start_time, duration: o.duration });

export const occurrenceNotFound = (occurrenceId: string) => ({
  code: 3001,
  message: `Meeting occurrence does not exist: ${occurrenceId}.`,
});

const invalidField = (field: string) => ({
  code: 300,
  message: 'Validation Failed.',
  errors: [{ field, message: 'Invalid field.' }],
});

export class MeetingService {
  private readonly meetings = new Map<number, MeetingRecord>();

  constructor(
    private readonly users: UserDirectory,
    private readonly events: MeetingEvents,
    private readonly clock: () => number,
    /** called after every change (persistence) */
    private readonly changed: () => void,
  ) {}

  get size(): number {
    return this.meetings.size;
  }

  records(): MeetingRecord[] {
    return [...this.meetings.values()];
  }

  restore(records: MeetingRecord[]): void {
    for (const record of records) this.meetings.set(record.meeting.id, record);
  }

  clear(): void {
    this.meetings.clear();
    this.changed();
  }

  find(meetingId: string): MeetingRecord | undefined {
    if (!/^\d{1,19}$/.test(meetingId)) return undefined;
    return this.meetings.get(Number(meetingId));
  }

  /** `POST /v2/users/{userId}/meetings`. */
  create(c: RouteContext, userId: string): void {
    const host = this.users.resolve(userId);
    if (!host) return c.reply(404, userNotFound(userId));
    const validated = validateMeetingBody(c.body, false);
    if (!validated.ok) return c.reply(400, validated.failure);
    const meeting = this.insert(host, validated.value);
    this.events.emit('meeting.created', this.users.owner, meeting);
    c.reply(201, meeting);
  }

  /** `GET /v2/meetings/{meetingId}[?occurrence_id=]`: one occurrence's start and duration. */
  get(c: RouteContext, meetingId: string): void {
    const scoped = this.scoped(c, meetingId);
    if (!scoped) return;
    const { record, occurrence } = scoped;
    c.reply(200, occurrence ? asOccurrence(record.meeting, occurrence) : record.meeting);
  }

  /** `PATCH /v2/meetings/{meetingId}[?occurrence_id=]`: 204. With an occurrence, only its
   * `start_time` and `duration` change (other fields are accepted and ignored). */
  update(c: RouteContext, meetingId: string): void {
    const scoped = this.scoped(c, meetingId);
    if (!scoped) return;
    const { record, occurrence } = scoped;
    const validated = validateMeetingBody(c.body, true);
    if (!validated.ok) return c.reply(400, validated.failure);
    const operator = this.users.owner;
    if (occurrence) {
      const before = { occurrence_id: occurrence.occurrence_id, ...pick(occurrence) };
      const input = validated.value;
      if (input.startTimeMs !== undefined) occurrence.start_time = zoomTime(input.startTimeMs);
      if (input.duration !== undefined) occurrence.duration = input.duration;
      const after = { occurrence_id: occurrence.occurrence_id, ...pick(occurrence) };
      this.changed();
      if (JSON.stringify(before) !== JSON.stringify(after)) {
        this.events.updated(
          operator,
          record.meeting,
          { occurrences: [after] },
          { occurrences: [before] },
          'single',
        );
      }
      return c.reply(204);
    }
    const { changed, old } = applyUpdate(record.meeting, validated.value, this.clock());
    this.changed();
    this.events.updated(operator, record.meeting, changed, old, 'all');
    c.reply(204);
  }

  /** `DELETE /v2/meetings/{meetingId}[?occurrence_id=]`: 204; a second delete 404/3001. One
   * occurrence is marked `deleted` and the meeting stays. */
  delete(c: RouteContext, meetingId: string): void {
    const scoped = this.scoped(c, meetingId);
    if (!scoped) return;
    const { record, occurrence } = scoped;
    if (occurrence) {
      occurrence.status = 'deleted';
      this.changed();
      this.events.emit('meeting.deleted', this.users.owner, record.meeting, occurrence);
      return c.reply(204);
    }
    this.remove(record, this.users.owner);
    c.reply(204);
  }

  /**
   * The meeting and, with `occurrence_id`, the live occurrence it names. Zoom's reference gives
   * 404/3001 "Meeting does not exist" as these endpoints' not-found answer and documents no
   * separate one for an occurrence; (chosen) an unknown or deleted occurrence answers 404 with
   * code 3001 and a message naming the occurrence.
   */
  private scoped(
    c: RouteContext,
    meetingId: string,
  ): { record: MeetingRecord; occurrence?: Occurrence } | undefined {
    const record = this.find(meetingId);
    if (!record) {
      c.reply(404, meetingNotFound(meetingId));
      return undefined;
    }
    const occurrenceId = c.query.get('occurrence_id');
    if (occurrenceId === null || occurrenceId === '') return { record };
    const occurrence = record.meeting.occurrences?.find(
      (o) => o.occurrence_id === occurrenceId && o.status === 'available',
    );
    if (!occurrence) {
      c.reply(404, occurrenceNotFound(occurrenceId));
      return undefined;
    }
    return { record, occurrence };
  }

  /** `GET /v2/users/{userId}/meetings`: Zoom's list page. */
  list(c: RouteContext, userId: string): void {
    const host = this.users.resolve(userId);
    if (!host) return c.reply(404, userNotFound(userId));
    const type = c.query.get('type') ?? 'scheduled';
    if (!isListType(type)) return c.reply(400, invalidField('type'));
    const now = this.clock();
    const page = readPage(c, now);
    if (!page) return;
    const all: ZoomMeeting[] = [];
    for (const record of this.meetings.values()) {
      if (record.hostId === host.id && matchesListType(record.meeting, type, now)) {
        all.push(record.meeting);
      }
    }
    const { items, next_page_token } = pageOf(all, page, now);
    c.reply(200, {
      next_page_token,
      page_count: Math.ceil(all.length / page.pageSize),
      page_number: page.pageNumber,
      page_size: page.pageSize,
      total_records: all.length,
      meetings: items.map(listItem),
    });
  }

  /** A meeting made in Zoom's web portal (no API call, no rate limit; emits meeting.created). */
  createOutOfBand(userId: string, body: object): ZoomMeeting {
    const host = this.users.resolve(userId);
    if (!host) throw new Error(`User does not exist: ${userId}.`);
    const validated = validateMeetingBody(body, false);
    if (!validated.ok) throw new Error(validated.failure.message);
    const meeting = this.insert(host, validated.value);
    this.events.emit('meeting.created', host, meeting);
    return structuredClone(meeting);
  }

  /** A meeting deleted in Zoom's web portal by its host (emits meeting.deleted). */
  deleteOutOfBand(meetingId: string): void {
    const record = this.find(meetingId);
    if (!record) throw new Error(`Meeting does not exist: ${meetingId}.`);
    this.remove(record, this.users.byUserId(record.hostId) ?? this.users.owner);
  }

  private insert(host: SimUser, input: MeetingInput): ZoomMeeting {
    const id = newMeetingId((candidate) => this.meetings.has(candidate));
    const meeting = buildMeeting(id, host, input, this.clock());
    this.meetings.set(id, { meeting, hostId: host.id });
    this.changed();
    return meeting;
  }

  private remove(record: MeetingRecord, operator: SimUser): void {
    this.meetings.delete(record.meeting.id);
    this.changed();
    this.events.emit('meeting.deleted', operator, record.meeting);
  }
}
