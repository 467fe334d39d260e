// The account's users: the app owner (`me`) and those added by tests, and Zoom's user object.
import { createHash, randomBytes } from 'node:crypto';
import type { RouteContext } from './sim-http.js';
import { pageOf, readPage } from './sim-paging.js';
import { SIM_DEFAULTS, type SimUser } from './sim-types.js';
import { userNotFound } from './zoom-responses.js';

export class UserDirectory {
  readonly owner: SimUser;
  /** seeded with the account (derived from its id, so never persisted) */
  private readonly seeded = new Set<string>();
  private readonly byId = new Map<string, SimUser>();
  private readonly byEmail = new Map<string, SimUser>();

  constructor(
    private readonly accountId: string,
    private readonly clock: () => number,
  ) {
    this.owner = {
      id: createHash('sha256').update(`owner:${accountId}`).digest('base64url').slice(0, 22),
      email: SIM_DEFAULTS.ownerEmail,
      firstName: 'Sim',
      lastName: 'Owner',
      timezone: 'UTC',
      createdAt: '2020-01-01T00:00:00Z',
    };
    this.index(this.owner);
    this.seeded.add(this.owner.id);
    // (chosen) Two members besides the owner, so that listing users has more than one entry.
    for (const [n, lastName] of [
      [1, 'One'],
      [2, 'Two'],
    ] as const) {
      const member: SimUser = {
        id: createHash('sha256').update(`member${n}:${accountId}`).digest('base64url').slice(0, 22),
        email: `sim-member-${n}@example.com`,
        firstName: 'Member',
        lastName,
        timezone: 'UTC',
        createdAt: '2020-01-02T00:00:00Z',
      };
      this.index(member);
      this.seeded.add(member.id);
    }
  }

  /** `me`, a user id or an e-mail address (case-insensitive). */
  resolve(userId: string): SimUser | undefined {
    if (userId === 'me') return this.owner;
    return this.byId.get(userId) ?? this.byEmail.get(userId.toLowerCase());
  }

  byUserId(id: string): SimUser | undefined {
    return this.byId.get(id);
  }

  /** Adds a user, or answers the one that already has this e-mail address. */
  add(user: { email: string; id?: string; firstName?: string; lastName?: string }): SimUser {
    const existing = this.byEmail.get(user.email.toLowerCase());
    if (existing) return { ...existing };
    const created: SimUser = {
      id: user.id ?? randomBytes(16).toString('base64url').slice(0, 22),
      email: user.email,
      firstName: user.firstName ?? user.email.split('@')[0],
      lastName: user.lastName ?? '',
      timezone: 'UTC',
      createdAt: new Date(this.clock()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    this.index(created);
    return { ...created };
  }

  /** Every user, the owner first, in the order they were added. */
  all(): SimUser[] {
    return [...this.byId.values()];
  }

  /** The users to persist (the seeded ones are derived from the account id). */
  persisted(): SimUser[] {
    return this.all().filter((u) => !this.seeded.has(u.id));
  }

  restore(users: SimUser[]): void {
    for (const user of users) if (!this.seeded.has(user.id)) this.index(user);
  }

  /** `GET /v2/users`: `status` active (default), inactive or pending; Zoom's paging. */
  listUsers(c: RouteContext): void {
    const status = c.query.get('status') ?? 'active';
    if (status !== 'active' && status !== 'inactive' && status !== 'pending') {
      return c.reply(400, {
        code: 300,
        message: 'Validation Failed.',
        errors: [{ field: 'status', message: 'Invalid field.' }],
      });
    }
    const now = this.clock();
    const page = readPage(c, now);
    if (!page) return;
    // Every simulated user is active.
    const all = status === 'active' ? this.all() : [];
    const { items, next_page_token } = pageOf(all, page, now);
    c.reply(200, {
      page_count: Math.ceil(all.length / page.pageSize),
      page_number: page.pageNumber,
      page_size: page.pageSize,
      total_records: all.length,
      next_page_token,
      users: items.map((u) => this.userBody(u)),
    });
  }

  /** `GET /v2/users/{userId}`. */
  getUser(c: RouteContext, userId: string): void {
    const user = this.resolve(userId);
    if (!user) return c.reply(404, userNotFound(userId));
    c.reply(200, this.userBody(user));
  }

  /** Zoom's user object (`GET /users/{userId}`). */
  userBody(user: SimUser): Record<string, unknown> {
    const isOwner = user.id === this.owner.id;
    return {
      id: user.id,
      first_name: user.firstName,
      last_name: user.lastName,
      display_name: `${user.firstName} ${user.lastName}`.trim(),
      email: user.email,
      type: 2,
      role_name: isOwner ? 'Owner' : 'Member',
      pmi:
        1_000_000_000 +
        (parseInt(createHash('sha256').update(user.id).digest('hex').slice(0, 8), 16) %
          8_999_999_999),
      use_pmi: false,
      personal_meeting_url: `https://zoom.us/j/${user.id}`,
      timezone: user.timezone,
      verified: 1,
      dept: '',
      created_at: user.createdAt,
      user_created_at: user.createdAt,
      last_login_time: user.createdAt,
      pic_url: '',
      language: 'en-US',
      phone_number: '',
      status: 'active',
      role_id: isOwner ? '0' : '2',
      account_id: this.accountId,
      account_number: 10_000_000,
      cluster: 'us06',
    };
  }

  private index(user: SimUser): void {
    this.byId.set(user.id, user);
    this.byEmail.set(user.email.toLowerCase(), user);
  }
}
