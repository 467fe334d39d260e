import { Controller, Delete, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdminOnly, CurrentCaller, Public } from '../access/access.decorators.js';
import type { AuthenticatedCaller } from '../access/caller.js';
import { DomainError, ErrorCode } from '../common/errors/index.js';
import { Parse } from '../common/parse.js';
import { ConsoleOidcService, OIDC_PENDING_COOKIE } from './console-oidc.service.js';
import { type ConsoleSessionView, ConsoleSessionsService } from './console-sessions.service.js';
import { parseSessionId } from './dto/console.validation.js';
import { clearedSessionCookie, SESSION_TTL_MS, sessionCookie } from './session-cookie.js';

function cookieNamed(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** The gateway's own address as the browser reached it (the provider checks the redirect URI it was given). */
function originOf(request: FastifyRequest): string {
  const forwarded = request.headers['x-forwarded-proto'];
  const https = request.protocol === 'https' || forwarded === 'https';
  return `${https ? 'https' : 'http'}://${request.headers.host ?? 'localhost'}`;
}

/**
 * Signing in to the console and out of it: an admin key exchanged for a session cookie, or the
 * company's OpenID Connect provider; the session the browser holds; the fleet's sessions and
 * their revocation (admin).
 */
@ApiExcludeController()
@Controller('console')
export class ConsoleAuthController {
  constructor(
    private readonly sessions: ConsoleSessionsService,
    private readonly oidc: ConsoleOidcService,
  ) {}

  @Public()
  @Get('api/sign-in')
  signInOptions(): { key: true; oidc: boolean } {
    return { key: true, oidc: this.oidc.enabled };
  }

  /** `Authorization: Bearer <admin key>` (never a cookie) for a session: 201 with the CSRF token. */
  @AdminOnly()
  @Post('auth/key')
  async withKey(
    @Req() request: FastifyRequest,
    @CurrentCaller() caller: AuthenticatedCaller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ session: ConsoleSessionView; csrfToken: string }> {
    if (request.headers.authorization === undefined || caller.lookOnly)
      throw new DomainError(
        ErrorCode.Unauthorized,
        'Sign in with Authorization: Bearer <admin key>.',
      );
    const opened = await this.sessions.open('key', caller.name, true);
    reply.header('set-cookie', sessionCookie(opened.secret, SESSION_TTL_MS));
    reply.header('cache-control', 'no-store');
    return { session: opened.session, csrfToken: opened.csrfToken };
  }

  /** Ends the browser's session (its CSRF token required); 204 even when there was none. */
  @Public()
  @Post('auth/sign-out')
  @HttpCode(204)
  async signOut(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const csrf = request.headers['x-csrf-token'];
    await this.sessions.signOut(request.headers.cookie, typeof csrf === 'string' ? csrf : '');
    reply.header('set-cookie', clearedSessionCookie());
  }

  /** To the OpenID Connect provider, with state, nonce and PKCE. */
  @Public()
  @Get('auth/login')
  async login(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const { location, pending } = await this.oidc.begin(
      `${originOf(request)}/console/auth/callback`,
    );
    void reply
      .code(302)
      .header(
        'set-cookie',
        `${OIDC_PENDING_COOKIE}=${pending}; Path=/console/auth; Max-Age=600; HttpOnly; Secure; SameSite=Lax`,
      )
      .header('cache-control', 'no-store')
      .header('location', location)
      .send();
  }

  /** Back from the provider: a session for the person, then the console. */
  @Public()
  @Get('auth/callback')
  async callback(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const person = await this.oidc.complete(
      new URL(request.url, originOf(request)),
      cookieNamed(request.headers.cookie, OIDC_PENDING_COOKIE),
    );
    const opened = await this.sessions.open('oidc', person.email, person.mayAct);
    void reply
      .code(303)
      .header('set-cookie', [
        sessionCookie(opened.secret, SESSION_TTL_MS),
        `${OIDC_PENDING_COOKIE}=; Path=/console/auth; Max-Age=0; HttpOnly; Secure; SameSite=Lax`,
      ])
      .header('cache-control', 'no-store')
      .header('location', '/console')
      .send();
  }

  /** The browser's session, who it acts as, and its CSRF token. */
  @AdminOnly()
  @Get('api/session')
  async current(
    @Req() request: FastifyRequest,
    @CurrentCaller() caller: AuthenticatedCaller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ session: ConsoleSessionView; csrfToken: string; caller: string; mayAct: boolean }> {
    reply.header('cache-control', 'no-store');
    const current = await this.sessions.current(request.headers.cookie);
    return { ...current, caller: caller.name, mayAct: !caller.lookOnly };
  }

  @AdminOnly()
  @Get('api/sessions')
  async list(): Promise<{ sessions: ConsoleSessionView[] }> {
    return { sessions: await this.sessions.list() };
  }

  /** Ends a session on every replica within a second. */
  @AdminOnly()
  @Delete('api/sessions/:id')
  @HttpCode(204)
  async revoke(
    @CurrentCaller() caller: AuthenticatedCaller,
    @Param('id', new Parse(parseSessionId)) id: string,
  ): Promise<void> {
    await this.sessions.revoke(id, caller.name);
  }
}
