// A small hand-written SVG chart writer (grouped bars and lines), so the benchmark needs no
// charting dependency. Output is plain, self-contained SVG that GitHub renders inline.

export interface Series {
  name: string;
  color: string;
}

export interface BarGroup {
  label: string;
  /** one value per series, in series order; null leaves a gap */
  values: (number | null)[];
}

export interface BarPanel {
  kind: 'bars';
  title: string;
  yLabel: string;
  series: Series[];
  groups: BarGroup[];
  referenceLine?: { value: number; label: string };
  format?: (value: number) => string;
}

export interface LineSeries extends Series {
  points: [number, number][];
  /** draw as a step function (counts that jump) */
  step?: boolean;
}

export interface LinePanel {
  kind: 'lines';
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  format?: (value: number) => string;
}

export type Panel = BarPanel | LinePanel;

export const COLORS = {
  gateway: '#2563eb',
  gatewayLight: '#93c5fd',
  comparison: '#ea580c',
  comparisonLight: '#fdba74',
  neutral: '#6b7280',
  neutralLight: '#d1d5db',
  good: '#16a34a',
} as const;

const PANEL_W = 480;
const PANEL_H = 320;
const M = { top: 40, right: 16, bottom: 64, left: 64 };

const escape = (raw: string) =>
  raw.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e4) return `${trim(value / 1e3)}k`;
  if (abs >= 100) return String(Math.round(value));
  return trim(value);
}

function trim(value: number): string {
  return Number(value.toPrecision(3)).toString();
}

/** Round tick steps (1, 2, 5 × 10^n) from 0 to at least max. */
function ticks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 0.999; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escape(content)}</text>`;
}

function axes(
  w: number,
  h: number,
  yTicks: number[],
  yMax: number,
  yLabel: string,
  format: (v: number) => string,
): string {
  const parts: string[] = [];
  for (const t of yTicks) {
    const y = h - (t / yMax) * h;
    parts.push(
      `<line x1="0" x2="${w}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e5e7eb"/>`,
    );
    parts.push(text(-6, y + 4, format(t), 'text-anchor="end" class="tick"'));
  }
  parts.push(`<line x1="0" x2="0" y1="0" y2="${h}" stroke="#9ca3af"/>`);
  parts.push(`<line x1="0" x2="${w}" y1="${h}" y2="${h}" stroke="#9ca3af"/>`);
  parts.push(
    text(
      -48,
      h / 2,
      yLabel,
      `transform="rotate(-90 -48 ${h / 2})" text-anchor="middle" class="axis"`,
    ),
  );
  return parts.join('');
}

function legend(series: Series[], w: number, y: number): string {
  const parts: string[] = [];
  let x = 0;
  for (const s of series) {
    parts.push(`<rect x="${x}" y="${y - 9}" width="10" height="10" fill="${s.color}"/>`);
    parts.push(text(x + 14, y, s.name, 'class="legend"'));
    x += 24 + s.name.length * 6.2;
    if (x > w) break;
  }
  return parts.join('');
}

function barPanel(panel: BarPanel, w: number, h: number): string {
  const format = panel.format ?? formatNumber;
  const all = panel.groups.flatMap((g) =>
    g.values.filter((v): v is number => v !== null && Number.isFinite(v)),
  );
  const dataMax = Math.max(0, ...all, panel.referenceLine?.value ?? 0);
  const yTicks = ticks(dataMax * 1.12);
  const yMax = yTicks[yTicks.length - 1];
  const parts = [axes(w, h, yTicks, yMax, panel.yLabel, format)];
  const groupW = w / Math.max(1, panel.groups.length);
  const barW = Math.min(48, (groupW * 0.8) / Math.max(1, panel.series.length));
  panel.groups.forEach((group, gi) => {
    const x0 = gi * groupW + (groupW - barW * panel.series.length) / 2;
    group.values.forEach((value, si) => {
      if (value === null || !Number.isFinite(value)) return;
      const bh = (value / yMax) * h;
      const x = x0 + si * barW;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${(h - bh).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${bh.toFixed(1)}" fill="${panel.series[si].color}"><title>${escape(`${group.label} ${panel.series[si].name}: ${format(value)}`)}</title></rect>`,
      );
      parts.push(
        text(x + barW / 2 - 1, h - bh - 4, format(value), 'text-anchor="middle" class="value"'),
      );
    });
    parts.push(
      text(gi * groupW + groupW / 2, h + 16, group.label, 'text-anchor="middle" class="tick"'),
    );
  });
  if (panel.referenceLine) {
    const y = h - (panel.referenceLine.value / yMax) * h;
    parts.push(
      `<line x1="0" x2="${w}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="${COLORS.good}" stroke-dasharray="6 4"/>`,
    );
    parts.push(text(4, y - 4, panel.referenceLine.label, `class="ref" fill="${COLORS.good}"`));
  }
  parts.push(legend(panel.series, w, h + 40));
  return parts.join('');
}

function linePanel(panel: LinePanel, w: number, h: number): string {
  const format = panel.format ?? formatNumber;
  const xs = panel.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = panel.series.flatMap((s) => s.points.map((p) => p[1]));
  const yTicks = ticks(Math.max(1, ...ys) * 1.1);
  const yMax = yTicks[yTicks.length - 1];
  const xTicks = ticks(Math.max(1, ...xs));
  const xMax = xTicks[xTicks.length - 1];
  const parts = [axes(w, h, yTicks, yMax, panel.yLabel, format)];
  for (const t of xTicks) {
    parts.push(text((t / xMax) * w, h + 16, formatNumber(t), 'text-anchor="middle" class="tick"'));
  }
  parts.push(text(w / 2, h + 30, panel.xLabel, 'text-anchor="middle" class="axis"'));
  for (const s of panel.series) {
    if (s.points.length === 0) continue;
    const px = (x: number) => ((x / xMax) * w).toFixed(1);
    const py = (y: number) => (h - (y / yMax) * h).toFixed(1);
    let d = `M${px(s.points[0][0])},${py(s.points[0][1])}`;
    for (let i = 1; i < s.points.length; i++) {
      const [x, y] = s.points[i];
      d += s.step ? ` H${px(x)} V${py(y)}` : ` L${px(x)},${py(y)}`;
    }
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    const last = s.points[s.points.length - 1];
    parts.push(
      text(
        Number(px(last[0])) - 2,
        Number(py(last[1])) - 6,
        format(last[1]),
        `text-anchor="end" class="value" fill="${s.color}"`,
      ),
    );
  }
  parts.push(legend(panel.series, w, h + 48));
  return parts.join('');
}

/** A chart of one or more panels side by side, with a title and an optional note line. */
export function renderChart(chart: { title: string; note?: string; panels: Panel[] }): string {
  // Wide enough for the title line too (about 8.5 px per character at 16 px).
  const width = Math.max(
    PANEL_W * chart.panels.length,
    Math.ceil(chart.title.length * 8.5 + 24),
    Math.ceil((chart.note?.length ?? 0) * 5.6 + 24),
  );
  const panelW = width / chart.panels.length;
  const height = PANEL_H + 44;
  const w = panelW - M.left - M.right;
  const h = PANEL_H - M.top - M.bottom;
  const body = chart.panels
    .map((panel, i) => {
      const inner = panel.kind === 'bars' ? barPanel(panel, w, h) : linePanel(panel, w, h);
      return (
        `<g transform="translate(${i * panelW + M.left},${44 + M.top})">` +
        text(w / 2, -14, panel.title, 'text-anchor="middle" class="panel"') +
        inner +
        '</g>'
      );
    })
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif">`,
    '<style>.title{font-size:16px;font-weight:600}.note{font-size:11px;fill:#4b5563}.panel{font-size:13px;font-weight:600}.tick{font-size:11px;fill:#374151}.axis{font-size:11px;fill:#4b5563}.value{font-size:10px;fill:#111827}.legend{font-size:11px}.ref{font-size:10px}</style>',
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    text(12, 22, chart.title, 'class="title"'),
    chart.note ? text(12, 38, chart.note, 'class="note"') : '',
    body,
    '</svg>',
    '',
  ].join('\n');
}
