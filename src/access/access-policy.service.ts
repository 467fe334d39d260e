import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '../common/errors/index.js';
import { decodePathSegment } from '../common/zoom-path.js';
import { allows, type CallKind, missingGrantMessage } from '../config/grants.js';
import type { AuthenticatedCaller } from './caller.js';
import { CallerIdentity, MeetingOwnership } from './ports.js';
import { callKindOf, zoomTargetOf } from './zoom-areas.js';

const INT64_MAX = 9_223_372_036_854_775_807n;

/** What access decides a Zoom event on: its grants area, the meeting it names, and whether owning that meeting matters. */
export interface ZoomEventTarget {
  readonly area: string;
  readonly meetingId?: string | null;
  readonly ownedArea: boolean;
}

/** Zoom's answer to a meeting that does not exist: given for another app's meeting too, so ids cannot be probed. */
export function meetingDoesNotExist(meetingId: string): DomainError {
  return DomainError.notFound(`Meeting does not exist: ${meetingId.slice(0, 200)}.`, 3001);
}

function isNumericId(id: string): boolean {
  return /^\d{1,19}$/.test(id) && BigInt(id) <= INT64_MAX;
}

/**
 * What a caller may reach: grants by area and kind of call (403 naming the grant), and, for
 * `ownership=own`, only meetings its app created (another app's meeting answers Zoom's own
 * 404/3001, exactly like a meeting that does not exist). Every check runs before Zoom is called.
 */
@Injectable()
export class AccessPolicy {
  constructor(
    private readonly ownership: MeetingOwnership,
    private readonly identity: CallerIdentity,
  ) {}

  /** The owner lookup of each event being decided, dropped with the event. */
  private readonly eventOwners = new WeakMap<ZoomEventTarget, Promise<string | null>>();

  assertGrant(caller: AuthenticatedCaller, area: string, kind: CallKind): void {
    if (!allows(caller.grants, area, kind))
      throw new DomainError(ErrorCode.GrantMissing, missingGrantMessage(area || '(none)', kind));
  }

  /** The grant a `/v2` call needs, from its method and canonical path (relative to `/v2`). */
  assertZoomGrant(caller: AuthenticatedCaller, method: string, path: string): void {
    const target = zoomTargetOf(path);
    this.assertGrant(caller, target.area, callKindOf(method));
  }

  /**
   * Grant and ownership of any `/v2` call (the pass-through): a meeting named in the path must
   * be the caller's. A user's meeting list through the pass-through (an odd spelling of the
   * filtered route) is refused to `own` callers: a stream cannot be filtered.
   */
  async assertZoomCall(caller: AuthenticatedCaller, method: string, path: string): Promise<void> {
    const target = zoomTargetOf(path);
    this.assertGrant(caller, target.area, callKindOf(method));
    if (target.meetingId !== undefined) await this.assertMeetingVisible(caller, target.meetingId);
    if (target.meetingList && caller.grants.ownership === 'own')
      throw new DomainError(
        ErrorCode.GrantMissing,
        'This API key sees its own meetings only (ownership=own): list them at GET /v2/users/{userId}/meetings, which answers those.',
      );
  }

  /** 404/3001 unless the caller may see this meeting (its own, or any with ownership=all). */
  async assertMeetingVisible(caller: AuthenticatedCaller, meetingId: string): Promise<void> {
    if (caller.grants.ownership === 'all') return;
    // A UUID arrives encoded once more when it holds `/` or starts with `/`.
    const owner = isNumericId(meetingId)
      ? await this.ownership.ownerOf(meetingId)
      : await this.ownership.ownerOfUuid(decodePathSegment(meetingId));
    if (owner !== caller.name) throw meetingDoesNotExist(meetingId);
  }

  /** Runs `call` (which reaches Zoom) only for a meeting the caller may see. */
  async ownMeeting<T>(
    caller: AuthenticatedCaller,
    meetingId: string,
    call: () => Promise<T>,
  ): Promise<T> {
    await this.assertMeetingVisible(caller, meetingId);
    return call();
  }

  /** Which of these Zoom ids `caller`'s app created (a list filtered for an `own` caller). */
  ownedAmong(caller: AuthenticatedCaller, ids: readonly string[]): Promise<Set<string>> {
    return this.ownership.ownedAmong(ids, caller.name);
  }

  /** Whether an app of this name holds a live key now. */
  isLiveApp(app: string): boolean {
    return this.identity.callerNamed(app) !== undefined;
  }

  /**
   * Whether an app may receive a Zoom event: it holds a live key, its grants read the event's
   * area, and with `ownership=own` a meeting's or recording's event names a meeting it created.
   * `unknown` when the meeting has no owner yet: its create may still be in flight, so the
   * caller waits for the record (as adoption does) before it decides.
   */
  async eventVisibility(
    app: string,
    event: ZoomEventTarget,
  ): Promise<'visible' | 'hidden' | 'unknown'> {
    const caller = this.identity.callerNamed(app);
    if (!caller || !allows(caller.grants, event.area, 'read')) return 'hidden';
    if (!event.ownedArea || caller.grants.ownership === 'all') return 'visible';
    if (!event.meetingId) return 'hidden';
    // One lookup per event, however many apps' subscriptions ask about it.
    let lookup = this.eventOwners.get(event);
    if (lookup === undefined) {
      lookup = this.ownership.ownerOf(event.meetingId);
      this.eventOwners.set(event, lookup);
    }
    const owner = await lookup;
    if (owner === null) return 'unknown';
    return owner === app ? 'visible' : 'hidden';
  }
}
