import { get } from '../api.js';
import { Loading, Section, useLoad } from '../ui.js';

interface Minute {
  minute: string;
  calls: number;
  refusals: number;
  zoom_429s: number;
  mints: number;
}

const SERIES = [
  { key: 'calls', title: 'Calls' },
  { key: 'refusals', title: 'Refusals (4xx and the gateway’s own 429s)' },
  { key: 'zoom_429s', title: 'Zoom 429s' },
  { key: 'mints', title: 'Token mints' },
] as const;

const MINUTE = 60_000;
const WIDTH = 1440;
const HEIGHT = 90;

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

/** One small line chart over the last 24 h (a point per minute), with its numbers in words. */
function Chart({
  title,
  points,
  start,
}: {
  title: string;
  points: Map<number, number>;
  start: number;
}) {
  const values = Array.from({ length: WIDTH }, (_, i) => points.get(start + i * MINUTE) ?? 0);
  const total = values.reduce((a, b) => a + b, 0);
  const peak = Math.max(0, ...values);
  const peakAt = start + values.indexOf(peak) * MINUTE;
  const y = (v: number) => (peak === 0 ? HEIGHT - 1 : HEIGHT - 1 - (v / peak) * (HEIGHT - 4));
  const line = values.map((v, i) => `${i},${y(v).toFixed(1)}`).join(' ');
  const words =
    total === 0
      ? `${title}: none in the last 24 hours.`
      : `${title}: ${total} in the last 24 hours; busiest minute ${hhmm(peakAt)} UTC with ${peak}; last hour ${values.slice(-60).reduce((a, b) => a + b, 0)}.`;
  return (
    <figure class="chart">
      <figcaption>
        <strong>{title}</strong>
        <br />
        <span class="hint">{words}</span>
      </figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={words}
      >
        <polyline points={line} />
      </svg>
      <span class="hint" aria-hidden="true">
        {hhmm(start)} → {hhmm(start + (WIDTH - 1) * MINUTE)} UTC, peak {peak}/min
      </span>
    </figure>
  );
}

/** Numbers over time for the whole fleet, from the per-minute counters every replica adds to. */
export function Charts() {
  const data = useLoad(() => get<{ minutes: Minute[] }>('/api/admin/fleet/minutes?hours=24'));
  const now = Math.floor(Date.now() / MINUTE) * MINUTE;
  const start = now - (WIDTH - 1) * MINUTE;
  return (
    <Section title="The fleet over the last 24 hours (per minute)">
      {!data.data ? (
        <Loading error={data.error} />
      ) : (
        <div class="charts">
          {SERIES.map((series) => {
            const points = new Map(
              data.data!.minutes.map((m) => [Date.parse(m.minute), m[series.key]] as const),
            );
            return <Chart key={series.key} title={series.title} points={points} start={start} />;
          })}
        </div>
      )}
    </Section>
  );
}
