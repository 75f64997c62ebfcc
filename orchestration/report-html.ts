import { escapeHtml } from "../core/html.js";
import type { ReportData } from "./report-data.js";

/** The run report as one static HTML page (no scripts, no network), from what report-data.ts read. */

const esc = (s: unknown) => escapeHtml(String(s ?? ""));
function money(n: number, currency: string): string {
  try {
    return n.toLocaleString("en-US", { style: "currency", currency, maximumFractionDigits: 0 });
  } catch {
    // A code Intl does not know is still the code the user configured.
    return `${n.toLocaleString("en-US", { maximumFractionDigits: 0 })} ${currency}`;
  }
}

function bars(items: { label: string; value: number; note?: string }[], id: string): string {
  const max = Math.max(1, ...items.map((i) => i.value));
  const h = 22;
  const rows = items
    .map((it, i) => {
      const w = Math.round((it.value / max) * 360);
      return `<g transform="translate(0,${i * h})"><text x="0" y="15" class="l">${esc(it.label)}</text><rect x="230" y="3" width="${w}" height="15" rx="2"/><text x="${236 + w}" y="15" class="v">${esc(it.note ?? it.value)}</text></g>`;
    })
    .join("");
  return `<svg id="${id}" role="img" viewBox="0 0 720 ${Math.max(h, items.length * h)}" width="720" height="${Math.max(h, items.length * h)}">${rows}</svg>`;
}

function line(points: { day: string; open: number }[]): string {
  if (points.length < 2) return "<p class=muted>The trend appears after runs on two or more days.</p>";
  const max = Math.max(1, ...points.map((p) => p.open));
  const xy = points
    .map((p, i) => `${(i / (points.length - 1)) * 680 + 20},${130 - (p.open / max) * 110}`)
    .join(" ");
  return `<svg viewBox="0 0 720 150" width="720" height="150"><polyline points="${xy}" fill="none" stroke="#2563eb" stroke-width="2"/><text x="20" y="145" class="l">${esc(points[0]!.day)}</text><text x="600" y="145" class="l">${esc(points.at(-1)!.day)}</text></svg>`;
}

/** The banner a run that did not succeed opens with: what failed first, and what that means for the figures. */
function failureBanner(d: ReportData): string {
  const runStatus = d.run?.status ?? "unknown";
  if (runStatus === "succeeded" || runStatus === "running") return "";
  const failed = d.nodes.filter((n) => n.status === "failed").length;
  const skipped = d.nodes.filter((n) => n.status === "skipped").length;
  const first = d.firstFailure
    ? `<p>First failure: <b>${esc(d.firstFailure.node)}</b>: <code data-first-error>${esc(d.firstFailure.error)}</code></p>`
    : "";
  return `<section id="run-failed" class="failed" role="alert"><h2>This run ${esc(runStatus)}</h2>
<p>${failed} node${failed === 1 ? "" : "s"} failed, ${skipped} skipped. Figures of stages that did not complete are shown as not available${d.reconciled ? "" : "; the open discrepancies below are not this run's complete results"}.</p>
${first}</section>`;
}

export function renderReport(d: ReportData): string {
  const totalOpen = d.categories.reduce((a, c) => a + c.open, 0);
  const totalAmount = d.categories.reduce((a, c) => a + c.amount_reporting, 0);
  const ccy = d.reportingCurrency;
  const status = (s: string) => `<span class="s ${esc(s)}">${esc(s)}</span>`;
  const na = `<span class="muted" title="the stage did not complete in this run">n/a</span>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>trueup run ${esc(d.runId)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#111827;background:#f9fafb}
header{background:#111827;color:#fff;padding:20px 32px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#d1d5db}
main{padding:24px 32px;max-width:1100px}section{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:16px 20px;margin-bottom:20px}
h2{font-size:16px;margin:0 0 12px}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #f3f4f6}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}.kpis{display:flex;gap:16px;flex-wrap:wrap}.kpi{flex:1;min-width:150px;background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px 16px}
.kpi b{display:block;font-size:24px}.muted{color:#6b7280}.s{padding:1px 8px;border-radius:10px;font-size:12px;background:#e5e7eb}
#run-failed{border-color:#fca5a5;background:#fef2f2}#run-failed h2{color:#991b1b}
.s.succeeded,.s.verified{background:#d1fae5;color:#065f46}.s.failed,.s.blocked{background:#fee2e2;color:#991b1b}.s.skipped,.s.pending{background:#fef3c7;color:#92400e}
svg text.l{font-size:12px;fill:#374151}svg text.v{font-size:12px;fill:#111827}svg rect{fill:#2563eb}
</style></head><body>
<header><h1>trueup — run ${esc(d.runId)}</h1><p>${esc(d.run?.command ?? "")} · ${esc(d.run?.status ?? "unknown")} · generated ${esc(d.generatedAt)}</p></header>
<main>
${failureBanner(d)}
<div class="kpis">
${d.rowsPerStage.map((s) => `<div class="kpi"><span class="muted">${esc(s.stage)}</span><b data-kpi="${esc(s.stage)}">${s.rows === null ? na : s.rows.toLocaleString("en-US")}</b></div>`).join("\n")}
<div class="kpi"><span class="muted">amount at stake (${esc(ccy)})</span><b data-kpi="amount">${d.reconciled ? money(totalAmount, ccy) : na}</b></div>
</div>
${
  d.rulesNotRun.length
    ? `<section id="rules-not-run"><h2>Rules not run</h2><table><thead><tr><th>rule</th><th>family</th><th>why</th></tr></thead><tbody>
${d.rulesNotRun.map((r) => `<tr data-rule-not-run="${esc(r.category)}"><td>${esc(r.category)}</td><td>${esc(r.family)}</td><td>${esc(r.reason)}</td></tr>`).join("\n")}</tbody></table></section>`
    : ""
}
<section id="discrepancies"><h2>Open discrepancies by category</h2>
${
  d.categories.length
    ? bars(
        d.categories.map((c) => ({ label: c.category, value: c.open })),
        "chart-categories",
      )
    : d.reconciled
      ? "<p class=muted>No open discrepancies.</p>"
      : "<p class=muted>Reconciliation did not complete in this run: no figures.</p>"
}
<table><thead><tr><th>category</th><th class=n>open</th><th class=n>amount (${esc(ccy)})</th><th>owner</th></tr></thead><tbody>
${d.categories.map((c) => `<tr data-category="${esc(c.category)}"><td>${esc(c.category)}</td><td class=n>${c.open}</td><td class=n>${money(c.amount_reporting, ccy)}</td><td>${esc(c.owner_team)}</td></tr>`).join("\n")}
<tr><th>total</th><th class=n data-total-open>${d.reconciled ? totalOpen : na}</th><th class=n>${d.reconciled ? money(totalAmount, ccy) : na}</th><th></th></tr></tbody></table></section>
<section id="amount-defined"><h2>What "amount at stake" means</h2>
<p data-amount-definition>For a record missing on one side (an invoice, payment, refund or credit note the other system does not hold) and for sides that disagree on status or currency, it is the <b>whole document's amount</b>; for an amount mismatch it is the <b>difference</b> between the two systems. Each is converted to ${esc(ccy)} at the rate of the record's date. The tables below say which applies to each item.</p></section>
<section id="splits"><h2>Open discrepancies by entity and currency</h2>
${
  d.splits.length
    ? `<table><thead><tr><th>entity</th><th>currency</th><th class=n>open</th><th class=n>amount at stake (${esc(ccy)})</th></tr></thead><tbody>
${d.splits.map((x) => `<tr data-split="${esc(x.entity)}/${esc(x.currency)}"><td>${esc(x.entity)}</td><td>${esc(x.currency)}</td><td class=n>${x.open}</td><td class=n>${money(x.amount_reporting, ccy)}</td></tr>`).join("\n")}</tbody></table>`
    : "<p class=muted>None.</p>"
}</section>
<section id="review"><h2>Review state of open discrepancies</h2>
${
  d.reviewStates.length
    ? `<table><thead><tr><th>review state</th><th class=n>open</th><th class=n>amount at stake (${esc(ccy)})</th></tr></thead><tbody>
${d.reviewStates.map((x) => `<tr data-review-state="${esc(x.review_state)}"><td>${esc(x.review_state)}</td><td class=n>${x.open}</td><td class=n>${money(x.amount_reporting, ccy)}</td></tr>`).join("\n")}</tbody></table>`
    : "<p class=muted>None.</p>"
}</section>
<section id="largest"><h2>The ten largest open items</h2>
${
  d.largest.length
    ? `<table><thead><tr><th>category</th><th>key</th><th>customer</th><th>entity</th><th>document</th><th>other side's document</th><th class=n>amount at stake (${esc(ccy)})</th><th>means</th><th>review</th><th class=n>age (days)</th></tr></thead><tbody>
${d.largest.map((x) => `<tr data-largest="${esc(x.key)}"><td>${esc(x.category)}</td><td>${esc(x.key)}</td><td>${esc(x.customer)}</td><td>${esc(x.entity)}</td><td>${esc(x.left_document)}</td><td>${esc(x.right_document ?? "none")}</td><td class=n>${money(x.amount_reporting, ccy)}</td><td>${esc(x.amount_meaning)}</td><td>${esc(x.review_state)}</td><td class=n>${x.age_days}</td></tr>`).join("\n")}</tbody></table>`
    : "<p class=muted>None.</p>"
}</section>
<section id="amounts"><h2>Amount at stake by category (${esc(ccy)})</h2>
${
  d.categories.length
    ? bars(
        d.categories.map((c) => ({
          label: c.category,
          value: c.amount_reporting,
          note: money(c.amount_reporting, ccy),
        })),
        "chart-amounts",
      )
    : "<p class=muted>None.</p>"
}</section>
<section id="ages"><h2>Age of open discrepancies</h2>
<p class=muted data-ages-as-of>Days from first seen to the reconciliation's as-of${d.asOf ? ` (${esc(d.asOf)})` : ""}, not to when this page was made.</p>
${
  d.ages.length
    ? bars(
        d.ages.map((a) => ({ label: a.age_bucket, value: a.open })),
        "chart-ages",
      )
    : "<p class=muted>None.</p>"
}
<h2>Trend</h2>${line(d.history)}</section>
<section id="syncs"><h2>Reverse ETL syncs</h2>
${
  d.syncs.length
    ? `<table><thead><tr><th>sync</th><th>mode</th><th>status</th><th class=n>planned</th><th class=n>written</th><th class=n>verified</th><th class=n>failed</th><th class=n>dead letters</th><th>note</th></tr></thead><tbody>
${d.syncs.map((s) => `<tr data-sync="${esc(s.sync)}"><td>${esc(s.sync)}</td><td>${esc(s.mode)}</td><td>${status(s.status)}</td><td class=n>${s.planned}</td><td class=n>${s.written}</td><td class=n>${s.verified}</td><td class=n>${s.failed}</td><td class=n>${s.dead_lettered}</td><td>${esc(s.message)}</td></tr>`).join("\n")}</tbody></table>`
    : "<p class=muted>No sync ran.</p>"
}</section>
<section id="freshness"><h2>Freshness</h2>
${
  d.freshness.length
    ? `<table><thead><tr><th>source</th><th>last success</th><th class=n>age (h)</th><th class=n>SLA (h)</th><th>status</th></tr></thead><tbody>
${d.freshness.map((f) => `<tr><td>${esc(f.source)}</td><td>${esc(f.lastSuccess?.toISOString() ?? "never")}</td><td class=n>${f.ageHours?.toFixed(1) ?? ""}</td><td class=n>${f.slaHours ?? ""}</td><td>${f.breached ? status("failed").replace(">failed<", ">SLA breached<") : status("succeeded").replace(">succeeded<", ">fresh<")}</td></tr>`).join("\n")}</tbody></table>`
    : "<p class=muted>No sources configured.</p>"
}</section>
<section id="dag"><h2>DAG</h2><table><thead><tr><th>node</th><th>kind</th><th>status</th><th class=n>seconds</th><th class=n>rows</th><th>error</th></tr></thead><tbody>
${d.nodes.map((n) => `<tr data-node="${esc(n.node)}"><td>${esc(n.node)}</td><td>${esc(n.kind)}</td><td>${status(n.status)}</td><td class=n>${n.seconds?.toFixed(2) ?? ""}</td><td class=n>${esc(n.rows ?? "")}</td><td>${esc(n.error ?? "")}</td></tr>`).join("\n")}
</tbody></table></section>
</main></body></html>
`;
}
