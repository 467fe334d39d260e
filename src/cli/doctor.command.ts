import { setCredentialsEnvironmentPolicy } from '../zoom/credentials/credentials.service.js';
import { AuthResetService } from '../zoom/auth-health/auth-reset.service.js';
import { DoctorService, type DoctorReport } from '../zoom/auth-health/doctor.service.js';
import { DOCTOR_EXIT_CODES } from '../zoom/auth-health/zoom-verdict.js';
import type { CliCommand } from './cli-command.js';
import { cliActor, resolve, withAppContext } from './cli-context.js';

const ANSI = {
  red: '\u001b[31m',
  green: '\u001b[32m',
  yellow: '\u001b[33m',
  bold: '\u001b[1m',
  dim: '\u001b[2m',
  reset: '\u001b[0m',
};

type Paint = (color: keyof typeof ANSI, text: string) => string;

function mintLine(report: DoctorReport): string {
  if (report.mint.ok) {
    const scopes = report.token?.scopes.length ? `; scopes: ${report.token.scopes.join(' ')}` : '';
    return `ok in ${report.mint.latencyMs} ms, expires ${report.token?.expiresAt}${scopes}`;
  }
  const error = report.mint.error!;
  const zoom = [error.status && `HTTP ${error.status}`, error.zoomError, error.zoomReason]
    .filter(Boolean)
    .join(' ');
  return `FAILED (${error.kind}${zoom ? `: ${zoom}` : ''})`;
}

function callLine(report: DoctorReport): string {
  const call = report.call;
  if (!call) return 'not made (no token)';
  if (call.networkError) return `${call.route}: no answer (${call.networkError})`;
  const zoom =
    call.zoomCode !== undefined ? ` code ${call.zoomCode}: ${call.zoomMessage ?? ''}` : '';
  return `${call.route} -> HTTP ${call.status} in ${call.latencyMs} ms${zoom}`;
}

function counts(byKey: Record<string, number>): string {
  return (
    Object.entries(byKey)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none'
  );
}

function mintsLine(report: DoctorReport): string {
  const m = report.mints;
  if (!m) return 'unknown (ledger unavailable)';
  return `${m.lastHour.minted} minted in the last hour (budget ${m.budgetPerHour}; attempts by reason: ${counts(m.lastHour.byReason)}), ${m.lastDay.minted} in the last day`;
}

/** The short table a person reads; colours only on a terminal (and never with NO_COLOR). */
export function renderDoctorTable(report: DoctorReport, paint: Paint): string {
  const v = report.verdict;
  const c = report.credential;
  const rows: Array<[string, string]> = [
    [
      'credentials',
      `version ${c.version}, client id ${c.clientId}, account ${c.accountId}, fingerprint ${c.fingerprint}`,
    ],
    ['token mint', mintLine(report)],
    ['api call', callLine(report)],
    ['owner user', report.token?.ownerUserId ?? '-'],
    ['mints', mintsLine(report)],
    [
      'verdict',
      paint(v.healthy ? 'green' : 'red', paint('bold', v.code.toUpperCase().replaceAll('_', ' '))),
    ],
    ['what', v.summary],
    ['next step', v.nextStep],
  ];
  if (v.missingScopes?.length) rows.splice(6, 0, ['missing scopes', v.missingScopes.join(', ')]);
  if (v.retryAt) rows.splice(6, 0, ['retry at', v.retryAt]);
  const lines = [paint('bold', `zoom-gateway doctor (${report.checkedAt})`)];
  for (const [label, value] of rows) lines.push(`  ${paint('dim', label.padEnd(15))} ${value}`);
  for (const warning of report.warnings)
    lines.push(`  ${paint('yellow', 'warning'.padEnd(15))} ${warning}`);
  return lines.join('\n');
}

/**
 * `npm run doctor [-- --json] [-- --reset-backoff]`: one mint with the stored active credentials,
 * one cheap call, and the verdict in words. Exit 0 when healthy; otherwise a code per verdict
 * (DOCTOR_EXIT_CODES). `--reset-backoff` first clears the fleet's Zoom auth back-off (audited),
 * so the doctor's own mint and every replica may try Zoom again at once.
 */
export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary:
    "doctor [--json] [--reset-backoff]: mint one token and make one cheap call; say what is wrong with the Zoom app, if anything; --reset-backoff first clears the fleet's back-off",
  async run(args) {
    const json = args.includes('--json');
    const resetBackoff = args.includes('--reset-backoff');
    // Test what the fleet uses: the stored active version; the environment only seeds an empty database.
    setCredentialsEnvironmentPolicy('seed-only');
    const report = await withAppContext(async (app) => {
      if (resetBackoff) {
        const { cleared } = await resolve(app, AuthResetService).reset(cliActor());
        const line =
          cleared.state === 'ok'
            ? 'Back-off reset: nothing to clear (Zoom auth was ok).'
            : `Back-off reset: cleared ${cleared.state} for the fleet (${cleared.reason})`;
        // On stderr with --json, so stdout stays one JSON document.
        (json ? console.error : console.log)(line);
      }
      return resolve(app, DoctorService).run();
    });
    if (json) {
      console.log(JSON.stringify(report, null, 2));
    } else {
      const color = process.stdout.isTTY && !process.env.NO_COLOR;
      const paint: Paint = (name, text) => (color ? `${ANSI[name]}${text}${ANSI.reset}` : text);
      console.log(renderDoctorTable(report, paint));
    }
    return DOCTOR_EXIT_CODES[report.verdict.code];
  },
};
