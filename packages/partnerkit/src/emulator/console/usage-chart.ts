import { html } from "hono/html";
import type { BillingSubmission } from "../vercel-api/store.ts";
import type { Html } from "./layout.ts";
import { formatAxisInstant } from "./time.ts";

const COLORS = ["#0070f3", "#e5484d", "#30a46c", "#f5a623", "#8e4ec6", "#12a594"];
const WIDTH = 640;
const HEIGHT = 200;
const PAD_X = 64;
const PAD_Y = 28;

interface Series {
  label: string;
  points: { t: number; v: number }[];
}

const BYTE_STEPS = ["B", "KB", "MB", "GB", "TB"];

/** A value as its unit reads best: bytes scaled (1 KB = 1000 B, as meters bill), counts grouped. */
export function formatValue(value: number, units: string): string {
  if (units === "bytes" || units === "B") {
    let scaled = value;
    let step = 0;
    while (scaled >= 1000 && step < BYTE_STEPS.length - 1) {
      scaled /= 1000;
      step++;
    }
    return `${scaled.toLocaleString("en-US", { maximumFractionDigits: 1 })} ${BYTE_STEPS[step]}`;
  }
  return `${value.toLocaleString("en-US", { maximumFractionDigits: 2 })} ${units}`;
}

/**
 * One chart per unit (a count and a size never share an axis), one line per (resource, meter):
 * its period value at each submission, on the time axis of all submissions.
 */
export function usageCharts(
  history: BillingSubmission[],
  resourceName: (id: string) => string,
): Html {
  const byUnit = new Map<string, Map<string, Series>>();
  for (const { data } of history) {
    const t = Date.parse(data.timestamp);
    for (const usage of data.usage) {
      const owner = usage.resourceId ? resourceName(usage.resourceId) : "installation";
      const key = `${usage.resourceId ?? ""}\u0000${usage.name}`;
      const unit = byUnit.get(usage.units) ?? new Map<string, Series>();
      const series = unit.get(key) ?? { label: `${owner} · ${usage.name}`, points: [] };
      series.points.push({ t, v: usage.periodValue });
      unit.set(key, series);
      byUnit.set(usage.units, unit);
    }
  }
  if (byUnit.size === 0) return html`<p class="muted">No billing data submitted yet.</p>`;
  const times = history.map(({ data }) => Date.parse(data.timestamp));
  const span = { min: Math.min(...times), max: Math.max(...times) };
  return html`${[...byUnit.entries()].map(([units, series]) =>
    chart(units, [...series.values()], span),
  )}`;
}

function chart(units: string, series: Series[], span: { min: number; max: number }): Html {
  const maxV = Math.max(1, ...series.flatMap((line) => line.points.map((point) => point.v)));
  const x = (t: number) =>
    PAD_X + ((t - span.min) / Math.max(1, span.max - span.min)) * (WIDTH - 2 * PAD_X);
  const y = (v: number) => HEIGHT - PAD_Y - (v / maxV) * (HEIGHT - 2 * PAD_Y);
  const lines = series.map((line, index) => ({
    label: line.label,
    color: COLORS[index % COLORS.length],
    points: line.points.map((p) => ({ x: x(p.t).toFixed(1), y: y(p.v).toFixed(1) })),
  }));
  return html`<figure data-usage-chart="${units}" style="margin:0 0 16px">
    <figcaption><strong>${units}</strong></figcaption>
    <svg role="img" aria-label="Usage in ${units} over time" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" style="max-width:${WIDTH}px">
      <line x1="${PAD_X}" y1="${HEIGHT - PAD_Y}" x2="${WIDTH - PAD_X}" y2="${HEIGHT - PAD_Y}" stroke="#ccc" />
      <line x1="${PAD_X}" y1="${PAD_Y}" x2="${PAD_X}" y2="${HEIGHT - PAD_Y}" stroke="#ccc" />
      <text x="${PAD_X - 6}" y="${PAD_Y + 4}" font-size="11" fill="#777" text-anchor="end">${formatValue(maxV, units)}</text>
      <text x="${PAD_X - 6}" y="${HEIGHT - PAD_Y}" font-size="11" fill="#777" text-anchor="end">0</text>
      <text x="${PAD_X}" y="${HEIGHT - 8}" font-size="11" fill="#777">${formatAxisInstant(span.min, span.max - span.min)}</text>
      <text x="${WIDTH - PAD_X}" y="${HEIGHT - 8}" font-size="11" fill="#777" text-anchor="end">${formatAxisInstant(span.max, span.max - span.min)} UTC</text>
      ${lines.map(
        (
          line,
        ) => html`<polyline fill="none" stroke="${line.color}" stroke-width="2" points="${line.points.map((p) => `${p.x},${p.y}`).join(" ")}" />
          ${line.points.map((p) => html`<circle cx="${p.x}" cy="${p.y}" r="3" fill="${line.color}" />`)}`,
      )}
    </svg>
    <ul class="muted">
      ${lines.map((line) => html`<li><span style="color:${line.color}">■</span> ${line.label}</li>`)}
    </ul>
  </figure>`;
}
