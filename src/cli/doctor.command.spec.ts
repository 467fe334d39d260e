import { verdict } from '../zoom/auth-health/zoom-verdict.js';
import type { DoctorReport } from '../zoom/auth-health/doctor.service.js';
import { renderDoctorTable } from './doctor.command.js';

const report: DoctorReport = {
  checkedAt: '2026-01-15T12:00:00.000Z',
  replicaId: 'r1',
  verdict: verdict('missing_scopes', { missingScopes: ['user:read:user:admin'] }),
  credential: {
    version: 3,
    clientId: 'client-1',
    accountId: 'acct-1',
    fingerprint: 'abc123def456',
  },
  mint: { ok: true, latencyMs: 12 },
  token: {
    ownerUserId: 'owner-1',
    accountId: 'acct-1',
    scopes: ['meeting:write:meeting:admin'],
    expiresAt: '2026-01-15T13:00:00.000Z',
  },
  call: {
    route: 'GET /users/me',
    status: 400,
    latencyMs: 5,
    zoomCode: 4711,
    zoomMessage: 'Invalid access token, does not contain scopes:[user:read:user:admin].',
  },
  mints: {
    budgetPerHour: 10,
    overBudget: true,
    lastHour: {
      total: 12,
      minted: 11,
      byReason: { cold: 11, probe: 1 },
      byOutcome: { ok: 11, rate_limited: 1 },
    },
    lastDay: {
      total: 12,
      minted: 11,
      byReason: { cold: 11, probe: 1 },
      byOutcome: { ok: 11, rate_limited: 1 },
    },
  },
  warnings: ['11 tokens minted in the last hour exceed the budget of 10'],
};

describe('renderDoctorTable', () => {
  it('shows the verdict, the missing scopes, the mint counts and the warnings as a plain table', async () => {
    const text = renderDoctorTable(report, (_, t) => t);
    expect(text).toMatch(/verdict\s+MISSING SCOPES/);
    expect(text).toMatch(/missing scopes\s+user:read:user:admin/);
    expect(text).toMatch(/api call\s+GET \/users\/me -> HTTP 400 in 5 ms code 4711/);
    expect(text).toMatch(
      /mints\s+11 minted in the last hour \(budget 10; attempts by reason: cold 11, probe 1\)/,
    );
    expect(text).toMatch(/warning\s+11 tokens minted/);
    expect(text).not.toContain('\u001b[');
  });

  it('colours the verdict red when unhealthy and only when asked to paint', async () => {
    const text = renderDoctorTable(report, (color, t) => `<${color}>${t}</${color}>`);
    expect(text).toContain('<red><bold>MISSING SCOPES</bold></red>');
  });
});
