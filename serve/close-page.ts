import type { CloseStatusRow, SignoffResult } from "../reconcile/ledger.js";
import { allows } from "./auth.js";
import { csrfField, html, money, type Html } from "./html.js";
import { discrepancyHref, type Viewer } from "./views.js";

/** The close of a month per entity: open items by review state, what blocks sign-off, the sign-off. */

export function closePage(opts: {
  viewer: Viewer;
  period: string;
  rows: CloseStatusRow[];
  refusal?: Extract<SignoffResult, { ok: false }>;
  reportingCurrency: string;
}): Html {
  const canSign = allows(opts.viewer.role, "approver");
  return html`<h1>Close ${opts.period}</h1>
    <form class="filters" method="get" action="/close">
      <label>Period <input name="period" type="month" value="${opts.period}" /></label
      ><button type="submit">Show</button>
    </form>
    ${
      opts.refusal
        ? html`<div class="flash error" role="alert">
            Sign-off of ${opts.refusal.period} (${opts.refusal.entity}) refused:
            ${opts.refusal.blocking.length} unexplained open items above materiality
            ${money(opts.refusal.materiality)}:
            <ul>
              ${opts.refusal.blocking.slice(0, 50).map(
                (b) =>
                  html`<li>
                    <a href="${discrepancyHref(b)}">${b.category} ${b.key}</a>
                    ${money(b.amountReporting, b.reportingCurrency)}
                  </li>`,
              )}
            </ul>
          </div>`
        : ""
    }
    <table data-testid="close">
      <thead>
        <tr>
          <th>Entity</th>
          <th class="num">Open</th>
          <th class="num">Unreviewed</th>
          <th class="num">Assigned</th>
          <th class="num">Explained</th>
          <th class="num">Blocking</th>
          <th class="num">Amount at stake</th>
          <th>Sign-off</th>
        </tr>
      </thead>
      <tbody>
        ${opts.rows.map(
          (r) =>
            html`<tr data-entity="${r.entity}">
              <td>${r.entity}</td>
              <td class="num">${r.open}</td>
              <td class="num">${r.unreviewed}</td>
              <td class="num">${r.assigned}</td>
              <td class="num">${r.explained}</td>
              <td class="num ${r.blocking ? "warn" : ""}">${r.blocking}</td>
              <td class="num">${money(r.amountReporting, opts.reportingCurrency)}</td>
              <td>
                ${
                  r.signoff
                    ? html`<span class="ok" data-testid="signed"
                          >signed by ${r.signoff.signedBy} at ${r.signoff.signedAt}</span
                        >
                        ${
                          r.signoff.changedAt
                            ? html`<br /><span class="warn">changed since, at ${r.signoff.changedAt}</span>`
                            : ""
                        }`
                    : canSign
                      ? html`<form method="post" action="/close/signoff">
                          ${csrfField(opts.viewer.csrf)}<input
                            type="hidden"
                            name="period"
                            value="${opts.period}"
                          /><input type="hidden" name="entity" value="${r.entity}" /><button type="submit">
                            Sign off ${r.entity}
                          </button>
                        </form>`
                      : html`<span class="muted">not signed</span>`
                }
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${opts.rows.length === 0 ? html`<p class="muted">No discrepancy is dated in ${opts.period}.</p>` : ""}`;
}
