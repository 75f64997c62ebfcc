import type { QueueResult, QueueSummary } from "../reconcile/ledger.js";
import { REVIEW_STATES } from "../reconcile/ledger.js";
import { barChart, lineChart, type Series } from "./charts.js";
import { html, money, type Html } from "./html.js";
import { discrepancyHref, option, type QueueQuery, type Viewer } from "./views.js";

/** The exception queue: its filters, the totals of every matching item, charts, and one page of rows. */

/** The queue's link with the same filters, on another page. */
function pageHref(query: QueueQuery, page: number): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...query, page }))
    if (v !== undefined && v !== "" && !(k === "page" && v === 1)) params.set(k, String(v));
  const qs = params.toString();
  return qs ? `/?${qs}` : "/";
}

export function queuePage(opts: {
  viewer: Viewer;
  query: QueueQuery;
  /** One page of the matching items, largest first; `total` counts them all. */
  result: QueueResult;
  /** Every matching item added up. */
  summary: QueueSummary;
  pageSize: number;
  categories: string[];
  teams: string[];
  trend: Series[];
  reportingCurrency: string;
}): Html {
  const { query, result, summary } = opts;
  const ccy = opts.reportingCurrency;
  const page = query.page ?? 1;
  const pages = Math.max(1, Math.ceil(result.total / opts.pageSize));
  const first = (page - 1) * opts.pageSize;
  const aging = summary.aging.map((b) => ({
    label: b.label,
    value: b.amountReporting,
    note: `${b.count} items`,
  }));
  return html`<h1>Exception queue</h1>
    <p class="muted">
      Open discrepancies, largest amount at stake first, as of ${result.asOf.slice(0, 10)}. Amount at stake is
      the whole document for a record missing on one side, the difference for a mismatch.
    </p>
    <form class="filters" method="get" action="/">
      <label
        >Category
        <select name="category">
          ${option("", query.category, "any")} ${opts.categories.map((c) => option(c, query.category))}
        </select></label
      >
      <label
        >Owner team
        <select name="team">
          ${option("", query.team, "any")} ${opts.teams.map((t) => option(t, query.team))}
        </select></label
      >
      <label>Assignee <input name="assignee" value="${query.assignee ?? ""}" size="12" /></label>
      <label
        >Review state
        <select name="state">
          ${option("", query.state, "any")} ${REVIEW_STATES.map((s) => option(s, query.state))}
        </select></label
      >
      <label
        >Older than (days) <input name="minAge" type="number" min="0" value="${query.minAge ?? ""}" size="5"
      /></label>
      <label
        >Amount at least (${ccy})
        <input name="minAmount" type="number" min="0" step="any" value="${query.minAmount ?? ""}" size="8"
      /></label>
      <button type="submit">Filter</button>
      <a href="/">clear</a>
    </form>
    <div class="cards">
      <div class="card">
        <div class="muted">Open items</div>
        <div class="big" data-testid="queue-count">${summary.count}</div>
      </div>
      <div class="card">
        <div class="muted">Amount at stake</div>
        <div class="big" data-testid="queue-amount">${money(summary.amountReporting, ccy)}</div>
      </div>
      ${REVIEW_STATES.map(
        (s) =>
          html`<div class="card">
            <div class="muted">${s}</div>
            <div class="big">${summary.byState[s]}</div>
          </div>`,
      )}
    </div>
    <div class="charts">
      ${lineChart("Open amount by category", opts.trend, ccy)} ${barChart("Aging of these items", aging, ccy)}
    </div>
    <table data-testid="queue">
      <thead>
        <tr>
          <th class="num">Amount at stake</th>
          <th>Category</th>
          <th>Customer</th>
          <th>Entity</th>
          <th>Left</th>
          <th>Right</th>
          <th class="num">Age</th>
          <th>Owner team</th>
          <th>Review</th>
          <th>Assignee</th>
        </tr>
      </thead>
      <tbody>
        ${result.items.map(
          (i) =>
            html`<tr data-category="${i.category}" data-key="${i.key}">
              <td class="num">${money(i.amountReporting, i.reportingCurrency)}</td>
              <td>
                <a href="${discrepancyHref(i)}">${i.category}</a><br /><span class="muted">${i.key}</span>
              </td>
              <td>${i.customerName ?? i.customerId ?? "—"}</td>
              <td>${i.entity ?? "—"}</td>
              <td>${i.leftSystem ?? ""} <span class="muted">${i.leftDocument ?? i.leftValue ?? ""}</span></td>
              <td>
                ${i.rightSystem ?? ""} <span class="muted">${i.rightDocument ?? i.rightValue ?? ""}</span>
              </td>
              <td class="num ${i.overdue ? "warn" : ""}">${i.ageDays} d${i.overdue ? " overdue" : ""}</td>
              <td>${i.ownerTeam}</td>
              <td><span class="pill ${i.reviewState}">${i.reviewState}</span></td>
              <td>${i.assignee ?? ""}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${
      pages > 1
        ? html`<nav class="pages" data-testid="pages">
            Items ${result.items.length ? first + 1 : 0}–${first + result.items.length} of ${result.total}
            (page ${page} of ${pages})
            ${page > 1 ? html`<a rel="prev" href="${pageHref(query, page - 1)}">previous</a>` : ""}
            ${page < pages ? html`<a rel="next" href="${pageHref(query, page + 1)}">next</a>` : ""}
          </nav>`
        : ""
    }`;
}
