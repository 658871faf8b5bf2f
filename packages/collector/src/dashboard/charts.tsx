/**
 * A small server-rendered SVG chart kit: line, horizontal bar and stacked bar charts.
 * No client script: every chart scales with its `viewBox`, names itself with
 * `<title>`/`<desc>` for screen readers, and carries its numbers in a data table
 * (`<details>`), so nothing is only visible as colour or shape.
 */
import type { Child } from 'hono/jsx';

/**
 * Okabe–Ito colour-blind-safe palette (https://jfly.uni-koeln.de/color/), darkened where
 * needed to keep ≥ 3:1 contrast against white for graphical objects (WCAG 1.4.11).
 */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#B8860B', '#56B4E9', '#7A5195', '#666666', '#E69F00', '#003f5c'];

/** A named series of values, one per x label. */
export interface Series {
  name: string;
  values: number[];
}

let idSeq = 0;
/** Unique ids per render so several charts on one page keep their `aria-labelledby` apart. */
function uid(prefix: string): string {
  idSeq = (idSeq + 1) % 1e9;
  return `${prefix}${idSeq}`;
}

/** Round a maximum up to an axis end whose quarters are round numbers (1, 2, 4, 8, 10 × 10^n). */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 4, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** Compact number format for axes: 1.2k, 3.4M. */
export function compact(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(2)}`;
}

function Legend(props: { names: string[] }) {
  return (
    <ul class="legend" aria-hidden="true">
      {props.names.map((n, i) => (
        <li>
          {/* An SVG swatch, not an inline style: the dashboard's CSP forbids style attributes. */}
          <svg class="swatch" width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">
            <rect width="12" height="12" rx="2" fill={PALETTE[i % PALETTE.length]} />
          </svg>
          {n}
        </li>
      ))}
    </ul>
  );
}

/** The numbers behind a chart as a table (screen readers, copy & paste, colour-blind users). */
function DataTable(props: { x: string[]; series: Series[]; format: (v: number) => string; xLabel: string }) {
  return (
    <details class="chart-data">
      <summary>Show data</summary>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{props.xLabel}</th>
              {props.series.map((s) => (
                <th scope="col" class="num">{s.name}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {props.x.map((label, i) => (
              <tr>
                <th scope="row">{label}</th>
                {props.series.map((s) => (
                  <td class="num">{props.format(s.values[i] ?? 0)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

interface XYProps {
  title: string;
  /** One sentence for screen readers: what the chart shows. */
  desc?: string;
  x: string[];
  series: Series[];
  format?: (v: number) => string;
  xLabel?: string;
  height?: number;
}

const W = 640;
const PAD = { l: 60, r: 8, t: 8, b: 34 };

function Axes(props: { max: number; h: number; x: string[]; format: (v: number) => string; step: number; offset: number }): Child {
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const innerH = props.h - PAD.t - PAD.b;
  const every = Math.max(1, Math.ceil(props.x.length / 8));
  return (
    <g class="axes" aria-hidden="true">
      {ticks.map((t) => {
        const y = PAD.t + innerH * (1 - t);
        return (
          <g>
            <line x1={PAD.l} x2={W - PAD.r} y1={y} y2={y} class="grid" />
            <text x={PAD.l - 6} y={y + 4} text-anchor="end">
              {compact(props.max * t)}
            </text>
          </g>
        );
      })}
      {props.x.map((label, i) =>
        i % every === 0 ? (
          <text x={PAD.l + props.offset + i * props.step} y={props.h - 8} text-anchor="middle" class={(i / every) % 2 ? 'xl odd' : 'xl'}>
            {label}
          </text>
        ) : null,
      )}
    </g>
  );
}

/**
 * Line chart of one or more series over shared x labels (e.g. days).
 *
 * @example
 * <LineChart title="Sessions per day" x={['1 Nov', '2 Nov']} series={[{ name: 'Sessions', values: [12, 30] }]} />
 */
export function LineChart(props: XYProps) {
  const h = props.height ?? 220;
  const fmt = props.format ?? compact;
  const max = niceMax(Math.max(0, ...props.series.flatMap((s) => s.values)));
  const innerW = W - PAD.l - PAD.r;
  const innerH = h - PAD.t - PAD.b;
  const step = props.x.length > 1 ? innerW / (props.x.length - 1) : 0;
  const offset = props.x.length > 1 ? 0 : innerW / 2;
  const tid = uid('ct');
  const did = uid('cd');
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${h}`} role="img" aria-labelledby={`${tid} ${did}`} preserveAspectRatio="xMidYMid meet">
        <title id={tid}>{props.title}</title>
        <desc id={did}>{props.desc ?? `${props.title}: ${props.series.map((s) => s.name).join(', ')} over ${props.x.length} points.`}</desc>
        <Axes max={max} h={h} x={props.x} format={fmt} step={step} offset={offset} />
        {props.series.map((s, si) => {
          const pts = s.values.map((v, i) => `${(PAD.l + offset + i * step).toFixed(1)},${(PAD.t + innerH * (1 - v / max)).toFixed(1)}`);
          const color = PALETTE[si % PALETTE.length];
          return (
            <g>
              <polyline points={pts.join(' ')} fill="none" stroke={color} stroke-width="2.5" stroke-linejoin="round" />
              {pts.length <= 40
                ? pts.map((p, i) => (
                    <circle cx={p.split(',')[0]} cy={p.split(',')[1]} r="3" fill={color}>
                      <title>{`${s.name}, ${props.x[i]}: ${fmt(s.values[i])}`}</title>
                    </circle>
                  ))
                : null}
            </g>
          );
        })}
      </svg>
      {props.series.length > 1 ? <Legend names={props.series.map((s) => s.name)} /> : null}
      <DataTable x={props.x} series={props.series} format={fmt} xLabel={props.xLabel ?? 'Date'} />
    </figure>
  );
}

/**
 * Vertical stacked bars: one bar per x label, one segment per series (e.g. revenue per day by channel).
 *
 * @example
 * <StackedBars title="Revenue by channel" x={days} series={[{ name: 'Web', values: [...] }, { name: 'Store', values: [...] }]} />
 */
export function StackedBars(props: XYProps) {
  const h = props.height ?? 220;
  const fmt = props.format ?? compact;
  const totals = props.x.map((_, i) => props.series.reduce((a, s) => a + (s.values[i] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const innerW = W - PAD.l - PAD.r;
  const innerH = h - PAD.t - PAD.b;
  const step = props.x.length ? innerW / props.x.length : innerW;
  const bw = Math.max(2, step * 0.7);
  const tid = uid('ct');
  const did = uid('cd');
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${h}`} role="img" aria-labelledby={`${tid} ${did}`} preserveAspectRatio="xMidYMid meet">
        <title id={tid}>{props.title}</title>
        <desc id={did}>{props.desc ?? `${props.title}, stacked by ${props.series.map((s) => s.name).join(', ')}.`}</desc>
        <Axes max={max} h={h} x={props.x} format={fmt} step={step} offset={step / 2} />
        {props.x.map((label, i) => {
          let acc = 0;
          return (
            <g>
              {props.series.map((s, si) => {
                const v = s.values[i] ?? 0;
                if (v <= 0) return null;
                const y0 = PAD.t + innerH * (1 - (acc + v) / max);
                const hh = (innerH * v) / max;
                acc += v;
                return (
                  <rect x={(PAD.l + i * step + (step - bw) / 2).toFixed(1)} y={y0.toFixed(1)} width={bw.toFixed(1)} height={Math.max(0.5, hh).toFixed(1)} fill={PALETTE[si % PALETTE.length]}>
                    <title>{`${s.name}, ${label}: ${fmt(v)}`}</title>
                  </rect>
                );
              })}
            </g>
          );
        })}
      </svg>
      <Legend names={props.series.map((s) => s.name)} />
      <DataTable x={props.x} series={props.series} format={fmt} xLabel={props.xLabel ?? 'Date'} />
    </figure>
  );
}

/**
 * Horizontal bars, one per labelled row, value printed at the bar's end. Reads well at
 * 375 px because labels sit above the bars rather than beside them.
 *
 * @example
 * <BarChart title="Revenue by channel" rows={[{ label: 'Paid Search', value: 1200 }]} format={money} />
 */
export function BarChart(props: { title: string; desc?: string; rows: { label: string; value: number }[]; format?: (v: number) => string; colorIndex?: number }) {
  const fmt = props.format ?? compact;
  const rowH = 34;
  const h = Math.max(1, props.rows.length) * rowH + 4;
  // Narrower than the x/y charts: bars stay legible at 375 px (scale ≈ 0.8) and the CSS caps them on desktop.
  const BW = 400;
  const max = Math.max(0, ...props.rows.map((r) => r.value)) || 1;
  const tid = uid('ct');
  const did = uid('cd');
  const color = PALETTE[(props.colorIndex ?? 0) % PALETTE.length];
  return (
    <figure class="chart bars">
      <svg viewBox={`0 0 ${BW} ${h}`} role="img" aria-labelledby={`${tid} ${did}`} preserveAspectRatio="xMinYMin meet">
        <title id={tid}>{props.title}</title>
        <desc id={did}>{props.desc ?? props.rows.map((r) => `${r.label}: ${fmt(r.value)}`).join('; ')}</desc>
        {props.rows.map((r, i) => {
          const y = i * rowH;
          const bw = Math.max(1, ((BW - 80) * Math.max(0, r.value)) / max);
          return (
            <g>
              <text x="0" y={y + 12} class="bar-label">
                {r.label}
              </text>
              <rect x="0" y={y + 16} width={bw.toFixed(1)} height="14" rx="2" fill={color} />
              <text x={(bw + 6).toFixed(1)} y={y + 28} class="bar-value">
                {fmt(r.value)}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
