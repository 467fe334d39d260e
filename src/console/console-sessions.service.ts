import { Injectable } from '@nestjs/common';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuthenticatedCaller } from '../access/caller.js';
import { CallerIdentity, type PresentedSession, SessionIdentity } from '../access/ports.js';
import { AuditAction, AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { DomainError, ErrorCode } from '../common/errors/index.js';
import { ADMIN_GRANTS } from '../config/grants.js';
import { type ConsoleSessionKind, ConsoleSessionEntity } from './console-session.entity.js';
import { ConsoleSessionsRepository } from './console-sessions.repository.js';
import {
  csrfTokenOf,
  newSessionSecret,
  SESSION_TTL_MS,
  sessionSecretIn,
  sha256Hex,
} from './session-cookie.js';

/** How long a replica trusts its last read of a session: a revocation reaches every replica within it. */
export const SESSION_CACHE_MS = 1_000;
const LOOKING = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface OpenedSession {
  /** The cookie's value: shown to the browser once, in `Set-Cookie`; only its sha256 is kept. */
  secret: string;
  csrfToken: string;
  session: ConsoleSessionView;
}

export interface ConsoleSessionView {
  id: string;
  kind: ConsoleSessionKind;
  subject: string;
  mayAct: boolean;
  createdAt: string;
  expiresAt: string;
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function view(row: ConsoleSessionEntity): ConsoleSessionView {
  return {
    id: row.id,
    kind: row.kind,
    subject: row.subject,
    mayAct: row.mayAct,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
  };
}

/** The name a console user's actions are recorded under (the audit's actor holds 64 characters). */
export function consoleCallerName(email: string): string {
  return `console:${email}`.slice(0, 64);
}

/**
 * Console sessions, shared by the fleet in the database: opened with an admin key or through
 * OpenID Connect, mapped to a caller on every request (the access module's SessionIdentity),
 * ended by sign-out, revocation or expiry on every replica within SESSION_CACHE_MS.
 */
@Injectable()
export class ConsoleSessionsService extends SessionIdentity {
  private readonly recent = new Map<string, { row: ConsoleSessionEntity | null; at: number }>();

  constructor(
    private readonly store: ConsoleSessionsRepository,
    private readonly identity: CallerIdentity,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {
    super();
  }

  /** A new session for `subject`; recorded in the audit under the person's (or app's) name. */
  async open(kind: ConsoleSessionKind, subject: string, mayAct: boolean): Promise<OpenedSession> {
    const secret = newSessionSecret();
    const now = this.clock.now();
    const row = Object.assign(new ConsoleSessionEntity(), {
      id: randomBytes(16).toString('hex'),
      secretHash: sha256Hex(secret),
      kind,
      subject,
      mayAct,
      createdAt: new Date(now),
      expiresAt: new Date(now + SESSION_TTL_MS),
      revokedAt: null,
    });
    await this.store.insert(row);
    await this.audit.record({
      actor: kind === 'key' ? subject : consoleCallerName(subject),
      action: AuditAction.ConsoleSignedIn,
      target: row.id,
      details: { kind, mayAct },
    });
    return { secret, csrfToken: csrfTokenOf(secret), session: view(row) };
  }

  async callerForSession(presented: PresentedSession): Promise<AuthenticatedCaller | undefined> {
    const secret = sessionSecretIn(presented.cookie);
    if (secret === undefined) return undefined;
    const row = await this.live(secret);
    if (!LOOKING.has(presented.method.toUpperCase())) {
      if (!sameToken(presented.csrfToken ?? '', csrfTokenOf(secret)))
        throw new DomainError(
          ErrorCode.Forbidden,
          'A console write needs its session CSRF token in x-csrf-token.',
        );
    }
    return this.callerOf(row);
  }

  /** The session a cookie names, if live; else the 401 that says why not. */
  async live(secret: string): Promise<ConsoleSessionEntity> {
    const hash = sha256Hex(secret);
    const now = this.clock.now();
    let cached = this.recent.get(hash);
    if (!cached || now - cached.at >= SESSION_CACHE_MS) {
      cached = { row: await this.store.bySecretHash(hash), at: now };
      if (this.recent.size > 10_000) this.recent.clear();
      this.recent.set(hash, cached);
    }
    const row = cached.row;
    if (!row) throw new DomainError(ErrorCode.Unauthorized, 'Unknown console session: sign in.');
    if (row.revokedAt)
      throw new DomainError(ErrorCode.Unauthorized, 'This console session was ended: sign in.');
    if (row.expiresAt.getTime() <= now)
      throw new DomainError(ErrorCode.Unauthorized, 'This console session expired: sign in.');
    return row;
  }

  /** The caller a live session acts as: the key's app (while it holds a live admin key), or the person. */
  callerOf(row: ConsoleSessionEntity): AuthenticatedCaller {
    if (row.kind === 'key') {
      const app = this.identity.callerNamed(row.subject);
      if (!app?.admin)
        throw new DomainError(
          ErrorCode.Unauthorized,
          'The admin key this console session was opened with no longer works: sign in.',
        );
      return app;
    }
    return {
      name: consoleCallerName(row.subject),
      admin: true,
      grants: ADMIN_GRANTS,
      ...(row.mayAct ? {} : { lookOnly: true }),
    };
  }

  /** The session a cookie names, as the console shows it, with its CSRF token. */
  async current(
    cookie: string | undefined,
  ): Promise<{ session: ConsoleSessionView; csrfToken: string }> {
    const secret = sessionSecretIn(cookie);
    if (secret === undefined)
      throw new DomainError(ErrorCode.Unauthorized, 'No console session: sign in.');
    const row = await this.live(secret);
    this.callerOf(row);
    return { session: view(row), csrfToken: csrfTokenOf(secret) };
  }

  async list(): Promise<ConsoleSessionView[]> {
    return (await this.store.live(new Date(this.clock.now()))).map(view);
  }

  /** Ends a session on every replica (within SESSION_CACHE_MS); audited. */
  async revoke(id: string, actor: string): Promise<void> {
    if (!(await this.store.revoke(id, new Date(this.clock.now()))))
      throw new DomainError(ErrorCode.NotFound, `No live console session ${id}.`);
    await this.audit.record({ actor, action: AuditAction.ConsoleSessionRevoked, target: id });
  }

  /** Sign-out: ends the session the cookie names (its CSRF token required), if it is still live. */
  async signOut(cookie: string | undefined, csrfToken: string): Promise<void> {
    const secret = sessionSecretIn(cookie);
    if (secret === undefined) return;
    if (!sameToken(csrfToken, csrfTokenOf(secret)))
      throw new DomainError(
        ErrorCode.Forbidden,
        'Sign-out needs the session CSRF token in x-csrf-token.',
      );
    const hash = sha256Hex(secret);
    this.recent.delete(hash);
    const row = await this.store.bySecretHash(hash);
    if (row && !row.revokedAt) await this.store.revoke(row.id, new Date(this.clock.now()));
  }

  /** Deletes sessions that ended a day ago or more. */
  prune(): Promise<void> {
    return this.store.prune(new Date(this.clock.now() - 86_400_000));
  }
}
