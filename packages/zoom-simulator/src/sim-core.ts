// The simulator's state and components, wired once; the server, routes and control surface
// all work on one SimCore.
import { FaultInjector } from './sim-faults.js';
import { FileRoutes } from './sim-files.js';
import { MeetingEvents } from './sim-meeting-events.js';
import { MeetingService } from './sim-meeting-service.js';
import { TokenAuthority } from './sim-oauth.js';
import { RateLimitPolicy } from './sim-rate-limits.js';
import { RequestLog } from './sim-request-log.js';
import { DEFAULT_SIM_SCOPES } from './sim-scopes.js';
import { StateFile } from './sim-state.js';
import { emptyStats } from './sim-stats.js';
import { SIM_DEFAULTS, type ZoomSimulatorOptions } from './sim-types.js';
import { UserDirectory } from './sim-users.js';
import { WebhookDispatcher } from './sim-webhooks.js';

export class SimCore {
  readonly clock: () => number;
  readonly accountId: string;
  readonly appId: string;
  readonly counters = emptyStats();
  readonly faults = new FaultInjector();
  readonly rates: RateLimitPolicy;
  readonly oauth: TokenAuthority;
  readonly users: UserDirectory;
  readonly meetings: MeetingService;
  readonly webhooks: WebhookDispatcher;
  readonly state: StateFile;
  readonly requestLog: RequestLog;
  readonly files: FileRoutes;
  /** `http://host:port` once listening */
  url = '';
  tokenRequestsInFlight = 0;

  constructor(readonly options: ZoomSimulatorOptions) {
    this.clock = options.clock ?? Date.now;
    this.accountId = options.accountId ?? SIM_DEFAULTS.accountId;
    this.appId = options.appId ?? SIM_DEFAULTS.appId;
    this.requestLog = new RequestLog(this.clock, options.requestLogSize);
    this.users = new UserDirectory(this.accountId, this.clock);
    this.oauth = new TokenAuthority({
      clock: this.clock,
      accountId: this.accountId,
      clientId: options.clientId ?? SIM_DEFAULTS.clientId,
      initialSecret: options.clientSecret ?? SIM_DEFAULTS.clientSecret,
      ownerId: this.users.owner.id,
      counters: this.counters,
      apiUrl: () => this.url,
    });
    this.rates = new RateLimitPolicy(this.clock);
    this.files = new FileRoutes(this.users, this.clock, options.phoneRecording);
    this.webhooks = new WebhookDispatcher(this.clock);
    this.state = new StateFile(options.stateFile, () => ({
      users: this.users.persisted(),
      meetings: this.meetings.records(),
    }));
    this.meetings = new MeetingService(
      this.users,
      new MeetingEvents(this.webhooks, this.accountId, this.clock),
      this.clock,
      () => this.state.scheduleSave(),
    );
    this.applyModes();
    const saved = this.state.load();
    if (saved) {
      this.users.restore(saved.users);
      this.meetings.restore(saved.meetings);
    }
    if (options.webhook) this.webhooks.configureLazily(options.webhook);
  }

  /** Token model, lifetime, plan, limits and scopes as the constructor's options say. */
  applyModes(): void {
    const o = this.options;
    this.oauth.tokenModel = o.tokenModel ?? { kind: 'many' };
    this.oauth.tokenLifetime = o.tokenLifetimeSeconds ?? 3600;
    this.oauth.scopes = [...(o.scopes ?? DEFAULT_SIM_SCOPES)];
    this.rates.plan = o.plan ?? 'pro';
    this.rates.enabled = o.rateLimits ?? true;
    this.rates.configure(o.dailyLimits, {
      host_user: o.dailyMeetingLimitPerUser,
      ...o.scopedDailyLimits,
    });
    this.rates.headers = o.rateLimitHeaders ?? 'all';
  }
}
