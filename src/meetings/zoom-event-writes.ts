import type { Repository } from 'typeorm';
import type { Driver } from 'typeorm/driver/Driver.js';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import type { MeetingColumns } from './meeting-columns.js';
import type { MeetingEntity, MeetingStatus } from './meeting.entity.js';

/**
 * The fields a timed Zoom event orders, each with the column that keeps the `event_ts` of the
 * event whose value it holds: the fields of `meeting.updated` the record keeps. Zoom's event
 * carries only the fields that changed, so the newest event wins per field, not per record.
 */
export const EVENT_ORDERED_FIELDS = [
  ['topic', 'topicEventTs'],
  ['startTime', 'startTimeEventTs'],
  ['duration', 'durationEventTs'],
  ['timezone', 'timezoneEventTs'],
] as const satisfies ReadonlyArray<readonly [keyof MeetingColumns, keyof MeetingEntity]>;

type OrderedField = (typeof EVENT_ORDERED_FIELDS)[number][0];

/** A field's value column and its timestamp column, as the database names them (escaped). */
interface FieldColumns {
  property: OrderedField;
  value: ColumnMetadata;
  name: string;
  ts: ColumnMetadata;
  tsName: string;
}

/** What a deletion sets besides the event's timestamp. */
export interface Deletion {
  status: 'deleted';
  deletedAt: Date;
  updatedAt: Date;
  deletionReason: string;
}

/**
 * The writes of timed Zoom events (`event_ts`) on the `meetings` table, each one conditional
 * UPDATE, so replicas applying events of one meeting at once, in any order, leave the same
 * record: PostgreSQL re-reads a row another transaction just updated before it evaluates the
 * statement's WHERE and SET on it, SQLite runs one write at a time. Timestamps compare with
 * CAST(... AS BIGINT) on both sides, which reads the same on both engines: a no-op on
 * PostgreSQL's bigint columns, and on SQLite, whose columns hold decimal strings (text), a
 * numeric comparison (64-bit) instead of a textual one. Private to MeetingsRepository; column
 * names come from the entity's metadata, so a column renamed or gone stops the start.
 */
export class ZoomEventWrites {
  private readonly fields: FieldColumns[];
  private readonly newest: string;

  constructor(
    private readonly meetings: Repository<MeetingEntity>,
    private readonly live: readonly MeetingStatus[],
  ) {
    this.fields = EVENT_ORDERED_FIELDS.map(([property, tsProperty]) => {
      const value = this.column(property);
      const ts = this.column(tsProperty);
      return { property, value, name: this.escape(value), ts, tsName: this.escape(ts) };
    });
    this.newest = this.escape(this.column('zoomEventTs'));
  }

  /**
   * A `meeting.updated`'s fields with its `event_ts` (a decimal string): one UPDATE sets each
   * field the event carries whose timestamp is older (or null), with the event's timestamp,
   * and leaves the others. It touches the row (`updated_at`, `zoom_event_ts` to the newer of
   * the two) only when at least one field is older, so the answer is whether something applied:
   * a repeat, or an event whose every field a newer event already set, changes nothing. The
   * record's columns other than the ordered fields are not written (Zoom's update, as the
   * webhooks read it, carries no other).
   */
  async applyUpdate(
    zoomMeetingId: string,
    columns: MeetingColumns,
    eventTs: string,
    now: Date,
  ): Promise<boolean> {
    const carried = this.fields.filter((f) => columns[f.property] !== undefined);
    if (carried.length === 0) return false;
    const set: Record<string, () => string> = {};
    const parameters: Record<string, unknown> = { eventTs };
    for (const field of carried) {
      const older = olderThanEvent(field.tsName);
      parameters[field.property] = this.driver.preparePersistentValue(
        columns[field.property],
        field.value,
      );
      set[field.value.propertyName] = () =>
        `CASE WHEN ${older} THEN :${field.property} ELSE ${field.name} END`;
      set[field.ts.propertyName] = () =>
        `CASE WHEN ${older} THEN CAST(:eventTs AS BIGINT) ELSE ${field.tsName} END`;
    }
    const values: QueryDeepPartialEntity<MeetingEntity> = {
      ...set,
      zoomEventTs: () => this.newerOfTwo(),
      updatedAt: now,
    };
    const result = await this.meetings
      .createQueryBuilder()
      .update()
      .set(values)
      .where('zoom_meeting_id = :zoomMeetingId AND status IN (:...live)', {
        zoomMeetingId,
        live: this.live,
      })
      .andWhere(`(${carried.map((f) => olderThanEvent(f.tsName)).join(' OR ')})`)
      .setParameters(parameters)
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /**
   * A deletion with its event's `event_ts`: terminal whatever the timestamp, so it applies to
   * any live record (no field is written but the deletion's), and `zoom_event_ts` becomes the
   * newer of the two.
   */
  async markDeleted(zoomMeetingId: string, deletion: Deletion, eventTs: string): Promise<boolean> {
    const result = await this.meetings
      .createQueryBuilder()
      .update()
      .set({ ...deletion, zoomEventTs: () => this.newerOfTwo() })
      .where('zoom_meeting_id = :zoomMeetingId AND status IN (:...live) AND deleted_at IS NULL', {
        zoomMeetingId,
        live: this.live,
      })
      .setParameter('eventTs', eventTs)
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** `zoom_event_ts` after an event applied: the event's `:eventTs` when newer, else as it was. */
  private newerOfTwo(): string {
    return `CASE WHEN ${olderThanEvent(this.newest)} THEN CAST(:eventTs AS BIGINT) ELSE ${this.newest} END`;
  }

  private column(property: string): ColumnMetadata {
    const column = this.meetings.metadata.findColumnWithPropertyName(property);
    if (!column)
      throw new Error(`ZoomEventWrites: "${property}" is no column of the meetings entity`);
    return column;
  }

  private escape(column: ColumnMetadata): string {
    return this.driver.escape(column.databaseName);
  }

  private get driver(): Driver {
    return this.meetings.manager.connection.driver;
  }
}

/** The timestamp column `ts` is null or holds an event older than `:eventTs`. */
function olderThanEvent(ts: string): string {
  return `(${ts} IS NULL OR CAST(${ts} AS BIGINT) < CAST(:eventTs AS BIGINT))`;
}
