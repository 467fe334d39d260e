// The occurrences of a recurring meeting with a fixed time (type 8), computed from `recurrence`
// in the meeting's time zone, as Zoom lists them in `occurrences[]`.
import { localParts, parseStartTime, zoomTime, type Recurrence } from './sim-meeting-input.js';

export interface Occurrence {
  /** the occurrence's start, epoch milliseconds, as a string (Zoom's id for it) */
  occurrence_id: string;
  start_time: string;
  duration: number;
  status: 'available' | 'deleted';
}

/** Zoom: "The maximum number of recurring is 60" (end_times), also the most listed otherwise. */
export const MAX_OCCURRENCES = 60;
const DAY_MS = 86_400_000;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Local wall time `hh:mm:ss` on the local day `day` (a Date.UTC day number) back to UTC. */
function atLocal(day: number, time: number[], timezone: string): number {
  const d = new Date(day);
  const text = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(time[0])}:${pad(time[1])}:${pad(time[2])}`;
  return parseStartTime(text, timezone) ?? day;
}

/** Zoom's weekday numbering: 1 Sunday ... 7 Saturday. */
const weekday = (day: number) => new Date(day).getUTCDay() + 1;

/** The nth (`week` 1-4, or -1 for the last) `dayOfWeek` of a month, as a day number. */
function nthWeekday(year: number, month: number, week: number, dayOfWeek: number): number {
  if (week === -1) {
    let day = Date.UTC(year, month + 1, 0);
    while (weekday(day) !== dayOfWeek) day -= DAY_MS;
    return day;
  }
  let day = Date.UTC(year, month, 1);
  while (weekday(day) !== dayOfWeek) day += DAY_MS;
  return day + (week - 1) * 7 * DAY_MS;
}

/** Candidate local days, in order, from the start's day on (at most a few years' worth). */
function* candidateDays(startDay: number, r: Recurrence): Generator<number> {
  const interval = r.repeat_interval ?? 1;
  const start = new Date(startDay);
  for (let k = 0; k < 4000; k++) {
    if (r.type === 1) {
      yield startDay + k * interval * DAY_MS;
    } else if (r.type === 2) {
      const days = (r.weekly_days ?? String(weekday(startDay)))
        .split(',')
        .map(Number)
        .sort((a, b) => a - b);
      const weekStart = startDay - (weekday(startDay) - 1) * DAY_MS + k * interval * 7 * DAY_MS;
      for (const d of days) {
        const day = weekStart + (d - 1) * DAY_MS;
        if (day >= startDay) yield day;
      }
    } else {
      const year = start.getUTCFullYear();
      const month = start.getUTCMonth() + k * interval;
      let day: number;
      if (r.monthly_week !== undefined && r.monthly_week_day !== undefined) {
        day = nthWeekday(year, month, r.monthly_week, r.monthly_week_day);
      } else {
        const dom = r.monthly_day ?? start.getUTCDate();
        day = Date.UTC(year, month, dom);
        // A month without that day (the 31st in April) has no occurrence.
        if (new Date(day).getUTCDate() !== dom) continue;
      }
      if (day >= startDay) yield day;
    }
  }
}

/** The occurrences from `startMs` on: `end_times` of them (default 1), or up to `end_date_time`. */
export function buildOccurrences(
  startMs: number,
  duration: number,
  timezone: string,
  recurrence: Recurrence | undefined,
): Occurrence[] {
  const r: Recurrence = recurrence ?? { type: 1 };
  const [y, mo, d, h, mi, s] = localParts(startMs, timezone);
  const startDay = Date.UTC(y, mo - 1, d);
  const endMs = r.end_date_time ? Date.parse(r.end_date_time) : undefined;
  const wanted = endMs !== undefined ? MAX_OCCURRENCES : r.end_times || MAX_OCCURRENCES;
  const out: Occurrence[] = [];
  for (const day of candidateDays(startDay, r)) {
    const at = atLocal(day, [h, mi, s], timezone);
    if (endMs !== undefined && at > endMs) break;
    out.push({
      occurrence_id: String(at),
      start_time: zoomTime(at),
      duration,
      status: 'available',
    });
    if (out.length >= Math.min(wanted, MAX_OCCURRENCES)) break;
  }
  return out;
}
