import { escapeHtml, trusted, type Html } from "./html.js";
import { redactText } from "../core/redact.js";

/**
 * Inline SVG charts rendered on the server: no script, no build step, and they print. Labels go
 * through the same escaping as the pages.
 */

const PALETTE = ["#2457c5", "#c56b24", "#2f7d32", "#8e3bb5", "#b4321f", "#1f8a8a", "#7a6a12", "#5b6575"];

function label(text: string): string {
  return escapeHtml(redactText(text));
}

function compact(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(0)}k`;
  return n.toFixed(0);
}

export interface Bar {
  label: string;
  value: number;
  /** Shown after the bar (e.g. the count). */
  note?: string;
}

/** Horizontal bars, one per label, longest value full width. */
export function barChart(title: string, bars: Bar[], unit: string, labelW = 110): Html {
  const width = labelW + 310;
  const rowH = 24;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const rows = bars
    .map((b, i) => {
      const w = Math.round(((width - labelW - 120) * b.value) / max);
      const y = i * rowH + 4;
      return (
        `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end" font-size="12" fill="#1d2430">${label(b.label)}</text>` +
        `<rect x="${labelW}" y="${y + 2}" width="${Math.max(w, b.value > 0 ? 2 : 0)}" height="16" fill="#2457c5" rx="2"/>` +
        `<text x="${labelW + w + 6}" y="${y + 14}" font-size="12" fill="#5b6575">${label(`${compact(b.value)} ${unit}${b.note ? ` · ${b.note}` : ""}`)}</text>`
      );
    })
    .join("");
  const height = bars.length * rowH + 8;
  return trusted(
    `<figure class="chart"><h2>${label(title)}</h2><svg role="img" aria-label="${label(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${rows}</svg></figure>`,
  );
}

export interface Series {
  name: string;
  points: { x: string; y: number }[];
}

/** Lines over days (x sorted as text: ISO dates), with a legend. */
export function lineChart(title: string, series: Series[], unit: string): Html {
  const width = 560;
  const height = 220;
  const pad = { left: 56, right: 12, top: 10, bottom: 28 };
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort();
  // One day of history is no trend yet: show that day's amounts instead of dots on a line.
  if (xs.length === 1)
    return barChart(
      `${title}, ${xs[0]}`,
      series.map((s) => ({ label: s.name, value: s.points[0]!.y })),
      unit,
      260,
    );
  const max = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.y)));
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const xAt = (x: string) =>
    pad.left + (xs.length <= 1 ? plotW / 2 : (xs.indexOf(x) * plotW) / (xs.length - 1));
  const yAt = (y: number) => pad.top + plotH - (y * plotH) / max;
  let svg = "";
  for (const t of [0, 0.5, 1]) {
    const y = yAt(max * t);
    svg += `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y}" y2="${y}" stroke="#dde2ea"/>`;
    svg += `<text x="${pad.left - 6}" y="${y + 4}" text-anchor="end" font-size="11" fill="#5b6575">${label(compact(max * t))}</text>`;
  }
  if (xs.length) {
    svg += `<text x="${pad.left}" y="${height - 8}" font-size="11" fill="#5b6575">${label(xs[0]!)}</text>`;
    svg += `<text x="${width - pad.right}" y="${height - 8}" text-anchor="end" font-size="11" fill="#5b6575">${label(xs[xs.length - 1]!)}</text>`;
  }
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const pts = s.points.map((p) => `${xAt(p.x).toFixed(1)},${yAt(p.y).toFixed(1)}`).join(" ");
    svg +=
      s.points.length === 1
        ? `<circle cx="${xAt(s.points[0]!.x)}" cy="${yAt(s.points[0]!.y)}" r="3" fill="${color}"/>`
        : `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts}"/>`;
  });
  const legend = series
    .map(
      (s, i) =>
        `<span style="display:inline-flex;align-items:center;gap:4px;margin-right:10px;font-size:12px"><span style="width:10px;height:10px;background:${PALETTE[i % PALETTE.length]};display:inline-block"></span>${label(s.name)}</span>`,
    )
    .join("");
  const empty = xs.length
    ? ""
    : `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" fill="#5b6575">no history yet</text>`;
  return trusted(
    `<figure class="chart"><h2>${label(title)} <span class="muted" style="font-weight:400">(${label(unit)})</span></h2><svg role="img" aria-label="${label(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${svg}${empty}</svg><div class="legend">${legend}</div></figure>`,
  );
}
