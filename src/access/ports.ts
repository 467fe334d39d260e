import type { AuthenticatedCaller } from './caller.js';

/**
 * Who is calling, from the `Authorization` header (auth/: API keys). A port, so the access
 * module decides what a caller may do without depending on how keys are kept.
 */
export abstract class CallerIdentity {
  /** The caller a header names; a DomainError (401) for a missing, unknown, revoked or expired key. */
  abstract callerFor(authorization: string | undefined): Promise<AuthenticatedCaller>;
  /** The app of this name with its grants while it holds a live key; undefined once revoked or expired. */
  abstract callerNamed(name: string): AuthenticatedCaller | undefined;
}

/**
 * Which app created a meeting (meetings/: the gateway's records). A port, so ownership is
 * decided here without the access module depending on the meetings feature.
 */
export abstract class MeetingOwnership {
  /** The creator of the meeting with this Zoom id, or null when the gateway made no such meeting. */
  abstract ownerOf(zoomMeetingId: string): Promise<string | null>;
  /** The same, by the meeting's UUID (as Zoom gave it at create). */
  abstract ownerOfUuid(zoomUuid: string): Promise<string | null>;
  /** Which of these Zoom ids this app created. */
  abstract ownedAmong(ids: readonly string[], app: string): Promise<Set<string>>;
}

/** What a request presents for a console session: its `Cookie` header, method and `x-csrf-token`. */
export interface PresentedSession {
  cookie: string;
  method: string;
  csrfToken: string | undefined;
}

/**
 * Who is calling through the operator console (console/: its sessions, shared by the fleet). A
 * port, so the guard maps a session to a caller exactly as it maps a key, without depending on
 * how sessions are kept.
 */
export abstract class SessionIdentity {
  /**
   * The caller a console session cookie names; undefined when the request carries no console
   * cookie; a DomainError (401) for an unknown, expired or revoked session, (403) for a write
   * without the session's CSRF token.
   */
  abstract callerForSession(presented: PresentedSession): Promise<AuthenticatedCaller | undefined>;
}
