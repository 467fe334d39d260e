import type { INestApplicationContext } from '@nestjs/common';
import { DomainError } from '../common/errors/index.js';
import { blockInWords, parseBlockScope } from '../zoom/limits/block-scope.js';
import { DailyBlockLiftService } from '../zoom/limits/daily-block-lift.service.js';
import {
  type ZoomLimitsReport,
  ZoomLimitsReportService,
} from '../zoom/limits/zoom-limits-report.service.js';
import type { CliCommand } from './cli-command.js';
import { cliActor, resolve, withAppContext } from './cli-context.js';

const USAGE = `Usage: npm run cli -- limits [--json]
       npm run cli -- limits lift <scope>
  limits       each bucket's pace, the plan's daily caps with today's count, the daily-limit blocks in force
  limits lift  lift one block on every replica and clear today's count of its scope (audited);
               quote the scope: npm run cli -- limits lift 'operation:GET /users/me'
Blocks and counts are the fleet's when REDIS_URL is set; without it, only this process's (none).`;

class UsageError extends Error {}

/** A column as wide as its longest name, and two spaces. */
const width = (names: string[]) => Math.max(0, ...names.map((n) => n.length)) + 2;

/** The report as a person reads it: one line per bucket, cap and block, in aligned columns. */
export function renderLimits(report: ZoomLimitsReport): string {
  const bucketWidth = width(report.buckets.map((b) => b.bucket));
  const scopeWidth = width(report.daily.map((d) => d.scope));
  const lines = [
    `plan ${report.plan}`,
    '',
    'buckets (calls that may start per window, fleet-wide)',
  ];
  for (const b of report.buckets)
    lines.push(`  ${b.bucket.padEnd(bucketWidth)}${b.limit}/${b.per}`);
  lines.push('', 'daily caps (this UTC day, account-wide)');
  for (const d of report.daily)
    lines.push(
      `  ${d.scope.padEnd(scopeWidth)}${d.spent.toLocaleString('en')} of ${d.cap.toLocaleString('en')}`,
    );
  lines.push('', 'blocks');
  if (report.blocks.length === 0) lines.push('  none');
  for (const block of report.blocks)
    lines.push(`  ${blockInWords({ ...block, until: Date.parse(block.until) })}`);
  return lines.join('\n');
}

/**
 * `cli limits [--json]` and `cli limits lift <scope>`: the same as `GET
 * /api/admin/zoom/limits` and `DELETE /api/admin/zoom/limits/blocks/{scope}`, against the
 * configured Redis, audited as `cli:<user>`.
 */
export const limitsCommand: CliCommand = {
  name: 'limits',
  summary:
    "limits [--json] | limits lift <scope>: Zoom's limits as paced, today's daily counts and blocks; lift a block (audited)",
  async run(args) {
    let run: (app: INestApplicationContext) => Promise<string>;
    try {
      const [action, ...rest] = args;
      if (action === 'lift') {
        if (rest.length !== 1)
          throw new UsageError('lift takes one scope (quote it when it has spaces)');
        const scope = parseBlockScope(rest[0]);
        run = async (app) => {
          await resolve(app, DailyBlockLiftService).lift(cliActor(), scope);
          return `Lifted the block on ${scope} for the fleet; today's count of it is cleared.`;
        };
      } else {
        const unknown = args.find((arg) => arg !== '--json');
        if (unknown !== undefined)
          throw new UsageError(
            `${unknown.startsWith('--') ? 'unknown option' : 'unknown action'} ${unknown}`,
          );
        const json = args.includes('--json');
        run = async (app) => {
          const report = await resolve(app, ZoomLimitsReportService).report();
          return json ? JSON.stringify(report, null, 2) : renderLimits(report);
        };
      }
    } catch (error) {
      if (!(error instanceof UsageError || error instanceof DomainError)) throw error;
      console.error(`${error.message}\n\n${USAGE}`);
      return 64;
    }
    try {
      console.log(await withAppContext(run, { requireZoom: false }));
      return 0;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      console.error(`zoom-gateway: ${error.message}`);
      return error.status === 404 ? 66 : 65;
    }
  },
};
