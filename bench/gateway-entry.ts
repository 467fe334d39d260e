// The gateway as it ships (src/main.ts), with one bench-only change applied before it starts: the
// rate-limit governor's limits are lifted. Its per-second plan limits, so that what is measured is the
// gateway's own cost and not the pacing it applies on purpose (Zoom's limits are 30-80 calls/s;
// the Business plan's 80/s would cap every throughput measurement), and Zoom's daily limit
// of 100 meeting creates per host user (`ZOOM_RATE_LIMITS=host_user=...`, unless the scenario
// sets ZOOM_RATE_LIMITS itself), which would refuse every create after the hundredth. The
// governor still runs on every call, with its Redis reservation and daily count: only the
// numbers it paces to change.
//
// Used by the proxy, scale and memory scenarios.
// oxlint-disable-next-line import/no-unassigned-import -- decorator metadata polyfill, before any decorated class
import 'reflect-metadata';
import { PLAN_LIMITS } from '../src/zoom/api/rate-limit-governor.js';

const LIFTED_PER_SECOND = 1_000_000;
/** The most ZOOM_RATE_LIMITS accepts for a daily scope. */
const LIFTED_PER_DAY = 10_000_000;

for (const limits of Object.values(PLAN_LIMITS)) {
  limits.light = LIFTED_PER_SECOND;
  limits.medium = LIFTED_PER_SECOND;
  limits.heavy = LIFTED_PER_SECOND;
  limits.resource_intensive = LIFTED_PER_SECOND;
}

process.env.ZOOM_RATE_LIMITS ??= `host_user=${LIFTED_PER_DAY}/day`;

await import('../src/main.js');
