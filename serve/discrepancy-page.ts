import type { DiscrepancyView, SourceRecord } from "../reconcile/ledger.js";
import { allows } from "./auth.js";
import { csrfField, html, money, type Html } from "./html.js";
import { option, type Viewer } from "./views.js";

/** A discrepancy: both systems' records side by side, the rule's detail, the actions, its history. */

function fieldValue(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (v instanceof Date) return v.toISOString();
  return typeof v === "object" ? JSON.stringify(v) : String(v as string | number | boolean);
}

function recordTable(side: string, rec: SourceRecord | null): Html {
  if (!rec)
    return html`<section>
      <h2>${side}</h2>
      <p class="muted">No record on this side.</p>
    </section>`;
  const fields = Object.entries(rec.record ?? {}).filter(([k]) => !k.startsWith("_trueup"));
  return html`<section>
    <h2>${side}: ${rec.system} <span class="muted">${rec.table} ${rec.id}</span></h2>
    ${
      rec.record
        ? html`<table>
            <tbody>
              ${fields.map(
                ([k, v]) =>
                  html`<tr>
                    <th class="field">${k}</th>
                    <td>${fieldValue(v)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : html`<p class="muted">The record is no longer in staging.</p>`
    }
  </section>`;
}

export function discrepancyPage(opts: {
  viewer: Viewer;
  view: DiscrepancyView;
  reasonCodes: string[];
}): Html {
  const { view, viewer } = opts;
  const i = view.item;
  const canAct = allows(viewer.role, "preparer");
  const hidden = html`${csrfField(viewer.csrf)}<input
      type="hidden"
      name="category"
      value="${i.category}"
    /><input type="hidden" name="key" value="${i.key}" />`;
  return html`<h1>${i.category} <span class="muted">${i.key}</span></h1>
    <div class="cards">
      <div class="card">
        <div class="muted">Amount at stake (${i.amountMeaning})</div>
        <div class="big">${money(i.amountReporting, i.reportingCurrency)}</div>
      </div>
      <div class="card">
        <div class="muted">Status</div>
        <div class="big">${i.status}</div>
      </div>
      <div class="card">
        <div class="muted">Review</div>
        <div class="big">
          <span class="pill ${i.reviewState}" data-testid="review-state">${i.reviewState}</span>
        </div>
      </div>
      <div class="card">
        <div class="muted">Customer</div>
        <div>${i.customerName ?? "—"} <span class="muted">${i.customerId ?? ""}</span></div>
      </div>
      <div class="card">
        <div class="muted">Owner · assignee · due</div>
        <div>${i.ownerTeam} · ${i.assignee ?? "unassigned"} · ${i.dueAt?.slice(0, 10) ?? "—"}</div>
      </div>
      <div class="card">
        <div class="muted">Age · period</div>
        <div>${i.ageDays} days · <span data-testid="period">${i.period}</span></div>
      </div>
    </div>
    ${
      i.reasonCode
        ? html`<p>
            Explained: <strong>${i.reasonCode}</strong> — ${i.note ?? ""}
            <span class="muted">by ${i.reviewedBy ?? "?"} at ${i.reviewedAt ?? "?"}</span>
          </p>`
        : ""
    }
    <div class="side">${recordTable("Left", view.left)} ${recordTable("Right", view.right)}</div>
    ${
      view.detail
        ? html`<h2>Rule detail</h2>
            <pre>${JSON.stringify(view.detail, null, 2)}</pre>`
        : ""
    }
    ${
      canAct
        ? html`<h2>Actions</h2>
            <div class="actions">
              <form method="post" action="/discrepancy/assign">
                ${hidden}<label>Assign to <input name="to" required value="${i.assignee ?? ""}" /></label
                ><button type="submit">Assign</button>
              </form>
              <form method="post" action="/discrepancy/explain">
                ${hidden}<label
                  >Reason
                  <select name="reason" required>
                    ${opts.reasonCodes.map((r) => option(r, i.reasonCode ?? undefined))}
                  </select></label
                ><label>Note <textarea name="note" rows="2" required>${i.note ?? ""}</textarea></label
                ><button type="submit">Explain</button>
              </form>
              <form method="post" action="/discrepancy/reopen">
                ${hidden}<span class="muted">Back to unreviewed, the explanation kept in the history.</span
                ><button type="submit" class="secondary">Reopen</button>
              </form>
            </div>`
        : html`<p class="muted">Your role (${viewer.role}) reads only.</p>`
    }
    <h2>History</h2>
    <table data-testid="history">
      <thead>
        <tr>
          <th>When</th>
          <th>Event</th>
          <th>By</th>
          <th>Detail</th>
          <th>Run</th>
        </tr>
      </thead>
      <tbody>
        ${view.events.map(
          (e) =>
            html`<tr>
              <td>${e.at}</td>
              <td>${e.event}</td>
              <td>${e.actor ?? "reconciliation"}</td>
              <td>${e.detail ? JSON.stringify(e.detail) : ""}</td>
              <td class="muted">${e.runId}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}
