import type { ZoomLimitsReport } from '../zoom/limits/zoom-limits-report.service.js';
import { renderLimits } from './limits.command.js';

const report: ZoomLimitsReport = {
  plan: 'pro',
  buckets: [
    { bucket: 'heavy', product: 'general', category: 'heavy', limit: 10, per: 'second' },
    {
      bucket: 'resource_intensive',
      product: 'general',
      category: 'resource_intensive',
      limit: 10,
      per: 'minute',
    },
  ],
  daily: [{ scope: 'account:heavy+resource_intensive', cap: 30_000, spent: 1_234 }],
  blocks: [
    {
      scope: 'host:jane@example.com',
      reason: 'this particular user',
      until: '2026-12-07T00:00:00.000Z',
    },
  ],
};

describe('renderLimits', () => {
  it('shows the plan, each bucket with its window, each cap with its count and each block in words', () => {
    const text = renderLimits(report);
    expect(text).toMatch(/^plan pro$/m);
    expect(text).toMatch(/^ {2}heavy +10\/second$/m);
    expect(text).toMatch(/^ {2}resource_intensive +10\/minute$/m);
    expect(text).toMatch(/^ {2}account:heavy\+resource_intensive +1,234 of 30,000$/m);
    expect(text).toMatch(
      /^ {2}Zoom's daily limit blocks host:jane@example\.com until 2026-12-07T00:00:00Z: this particular user$/m,
    );
  });

  it('says none when nothing is blocked', () => {
    expect(renderLimits({ ...report, blocks: [] })).toMatch(/^blocks\n {2}none$/m);
  });
});
