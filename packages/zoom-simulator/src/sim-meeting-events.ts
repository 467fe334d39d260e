// The meeting.* webhook events the simulator sends when meetings change.
import { stripUndefined, type ZoomMeeting } from './sim-meetings.js';
import type { Occurrence } from './sim-occurrences.js';
import type { SimUser } from './sim-types.js';
import type { WebhookDispatcher } from './sim-webhooks.js';

export class MeetingEvents {
  constructor(
    private readonly webhooks: WebhookDispatcher,
    private readonly accountId: string,
    private readonly clock: () => number,
  ) {}

  /**
   * `meeting.created` / `meeting.deleted` with the meeting's summary as `object`. For
   * `meeting.deleted`, `operation` is Zoom's "all" (the whole meeting, every occurrence) or
   * "single" (one occurrence, which rides in `object.occurrences`); `meeting.created` says
   * `single`.
   */
  emit(
    event: 'meeting.created' | 'meeting.deleted',
    operator: SimUser,
    m: ZoomMeeting,
    occurrence?: Occurrence,
  ): void {
    if (!this.webhooks.configured) return;
    const all = event === 'meeting.deleted' && !occurrence;
    this.webhooks.emit(event, {
      account_id: this.accountId,
      operator: operator.email,
      operator_id: operator.id,
      operation: all ? 'all' : 'single',
      object: stripUndefined({
        uuid: m.uuid,
        id: m.id,
        host_id: m.host_id,
        topic: m.topic,
        type: m.type,
        start_time: m.start_time,
        duration: m.duration,
        timezone: m.timezone,
        join_url: event === 'meeting.deleted' ? undefined : m.join_url,
        password: event === 'meeting.deleted' ? undefined : m.password,
        created_at: m.created_at,
        occurrences: occurrence
          ? [{ occurrence_id: occurrence.occurrence_id, start_time: occurrence.start_time }]
          : undefined,
      }),
    });
  }

  /** `meeting.updated` with the changed fields and their old values; `scope` is `single` when
   * one occurrence changed (its fields ride in `occurrences`), `all` otherwise. */
  updated(
    operator: SimUser,
    m: ZoomMeeting,
    changed: Record<string, unknown>,
    old: Record<string, unknown>,
    scope: 'single' | 'all' = 'all',
  ): void {
    if (Object.keys(changed).length === 0) return;
    this.webhooks.emit('meeting.updated', {
      account_id: this.accountId,
      operator: operator.email,
      operator_id: operator.id,
      scope,
      object: { id: m.id, uuid: m.uuid, ...changed },
      old_object: { id: m.id, uuid: m.uuid, ...old },
      time_stamp: this.clock(),
    });
  }
}
