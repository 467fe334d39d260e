import { Logger } from '@nestjs/common';
import { limitsFixture } from './testing/limits-fixture.js';
import { accountCaps, ZoomLimitsReportService } from './zoom-limits-report.service.js';

function reporter(options: Parameters<typeof limitsFixture>[0] = {}) {
  const fixture = limitsFixture(options);
  const { config, limits, daily, blocks } = fixture;
  return { ...fixture, service: new ZoomLimitsReportService(config, limits, daily, blocks) };
}

describe(ZoomLimitsReportService.name, () => {
  // The services log every block and lift, as an operator should see them; not here.
  beforeAll(() => Logger.overrideLogger(false));

  it('names the configured plan', async () => {
    const { service } = reporter({ plan: 'business' });
    expect((await service.report()).plan).toBe('business');
  });

  it("lists every bucket of every product at the plan's limit and window", async () => {
    const { buckets } = await reporter().service.report();
    expect(buckets.length).toBe(12);
    expect(buckets.find((b) => b.bucket === 'light')).toEqual({
      bucket: 'light',
      product: 'general',
      category: 'light',
      limit: 30,
      per: 'second',
    });
    expect(buckets.find((b) => b.bucket === 'phone.resource_intensive')).toEqual({
      bucket: 'phone.resource_intensive',
      product: 'phone',
      category: 'resource_intensive',
      limit: 5,
      per: 'minute',
    });
  });

  it('shows the limit ZOOM_RATE_LIMITS sets instead of the plan', async () => {
    const { buckets } = await reporter({ limits: { heavy: 50 } }).service.report();
    expect(buckets.find((b) => b.bucket === 'heavy')?.limit).toBe(50);
  });

  it("lists each of the plan's account caps once, with today's count", async () => {
    const { service, spend } = reporter();
    await spend('account:heavy+resource_intensive', 3);
    const { daily } = await service.report();
    expect(daily).toEqual([
      { scope: 'account:heavy+resource_intensive', cap: 30_000, spent: 3 },
      { scope: 'account:phone.heavy+resource_intensive', cap: 15_000, spent: 0 },
      { scope: 'account:contact_center.heavy+resource_intensive', cap: 15_000, spent: 0 },
    ]);
  });

  it("lists Free's per-category caps", () => {
    expect(accountCaps('free').map((c) => c.scope)).toEqual([
      'account:light',
      'account:medium',
      'account:heavy',
      'account:resource_intensive',
      'account:phone.heavy+resource_intensive',
      'account:contact_center.heavy+resource_intensive',
    ]);
  });

  it('lists the blocks in force with their reason and ISO end, and not those that ended', async () => {
    const { service, blocks, clock } = reporter();
    const midnight = Date.UTC(2026, 11, 7);
    await blocks.block('host:jane@example.com', midnight, 'this particular user');
    await blocks.block('operation:GET /report/daily', clock.now() + 60_000, 'daily limit');
    clock.advance(120_000);
    const report = await service.report();
    expect(report.blocks).toEqual([
      {
        scope: 'host:jane@example.com',
        reason: 'this particular user',
        until: '2026-12-07T00:00:00.000Z',
      },
    ]);
  });

  it("shows a lifted block no more, and its scope's count starting over", async () => {
    const { service, daily, blocks, spend } = reporter();
    const scope = 'account:heavy+resource_intensive';
    await spend(scope, 2);
    await blocks.block(scope, Date.UTC(2026, 11, 7), 'daily limit');
    expect((await service.report()).blocks.length).toBe(1);
    await daily.lift(scope);
    const report = await service.report();
    expect(report.blocks.length).toBe(0);
    expect(report.daily[0]?.spent).toBe(0);
  });
});
