import type { ServeRole } from "../config/schema.js";
import type {
  CloseStatusRow,
  DiscrepancyView,
  QueueItem,
  QueueResult,
  SignoffResult,
  SourceRecord,
} from "../reconcile/ledger.js";
import { REVIEW_STATES } from "../reconcile/ledger.js";
import type { PendingPlan } from "../reverse/governance/plans.js";
import { allows } from "./auth.js";
import { barChart, lineChart, type Series } from "./charts.js";
import { csrfField, html, money, type Html } from "./html.js";

/** The queue's filters as the page's form holds them (query string values). */
export interface QueueQuery {
  category?: string;
  team?: string;
  assignee?: string;
  state?: string;
  minAge?: number;
  minAmount?: number;
}

export interface Viewer {
  name: string;
  role: ServeRole;
  csrf: string;
}

function discrepancyHref(item: { category: string; key: string }): string {
  return `/discrepancy?${new URLSearchParams({ category: item.category, key: item.key }).toString()}`;
}

function option(value: string, selected: string | undefined, text = value): Html {
  return html`<option value="${value}" ${value === selected ? html`selected` : ""}>${text}</option>`;
}

const AGE_BUCKETS: { label: string; max: number }[] = [
  { label: "0-7 days", max: 7 },
  { label: "8-30 days", max: 30 },
  { label: "31-90 days", max: 90 },
  { label: "over 90 days", max: Infinity },
];

export function queuePage(opts: {
  viewer: Viewer;
  query: QueueQuery;
  result: QueueResult;
  /** The items after the page's own filters (owner team, age, amount). */
  items: QueueItem[];
  categories: string[];
  teams: string[];
  trend: Series[];
  reportingCurrency: string;
}): Html {
  const { query, items, result } = opts;
  const total = items.reduce((s, i) => s + (i.amountReporting ?? 0), 0);
  const ccy = opts.reportingCurrency;
  const aging = AGE_BUCKETS.map((b, i) => {
    const min = i === 0 ? -Infinity : AGE_BUCKETS[i - 1]!.max;
    const inBucket = items.filter((it) => it.ageDays > min && it.ageDays <= b.max);
    return {
      label: b.label,
      value: inBucket.reduce((s, it) => s + (it.amountReporting ?? 0), 0),
      note: `${inBucket.length} items`,
    };
  });
  const byState = REVIEW_STATES.map((s) => ({
    state: s,
    n: items.filter((i) => i.reviewState === s).length,
  }));
  const shown = items.slice(0, 500);
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
        <div class="big" data-testid="queue-count">${items.length}</div>
      </div>
      <div class="card">
        <div class="muted">Amount at stake</div>
        <div class="big">${money(total, ccy)}</div>
      </div>
      ${byState.map(
        (s) =>
          html`<div class="card">
            <div class="muted">${s.state}</div>
            <div class="big">${s.n}</div>
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
        ${shown.map(
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
      items.length > shown.length
        ? html`<p class="muted">
            Showing the ${shown.length} largest of ${items.length}; narrow the filters to see the rest.
          </p>`
        : ""
    }
    ${
      result.total > result.items.length
        ? html`<p class="warn">
            The ledger returned ${result.items.length} of ${result.total} matching items; filter by category
            or state to see all.
          </p>`
        : ""
    }`;
}

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

export function plansPage(opts: { viewer: Viewer; plans: PendingPlan[] }): Html {
  const canApprove = allows(opts.viewer.role, "approver");
  if (opts.plans.length === 0)
    return html`<h1>Correction plans</h1>
      <p class="muted">No correction plan is waiting for approval.</p>`;
  return html`<h1>Correction plans</h1>
    <p class="muted">
      Corrections to other systems' data wait here; approving runs exactly the plan shown, not a recomputed
      one.
    </p>
    ${opts.plans.map(
      (p) =>
        html`<section data-plan="${p.planId}">
          <h2>
            ${p.sync} → ${p.plan.destination.system} ${p.plan.destination.object}
            <span class="muted">${p.planId}, planned ${p.createdAt}</span>
          </h2>
          <p>
            ${p.plan.changes.length} records to change, ${(p.plan.deletions ?? []).length} to delete,
            ${p.plan.unchanged} unchanged, ${p.plan.total} in the model.
          </p>
          <table>
            <thead>
              <tr>
                <th>Record</th>
                <th>Field</th>
                <th>Now</th>
                <th>After</th>
              </tr>
            </thead>
            <tbody>
              ${p.plan.changes.slice(0, 50).flatMap((c) =>
                Object.entries(c.fields).map(
                  ([f, v]) =>
                    html`<tr>
                      <td>${c.recordId}</td>
                      <td>${f}</td>
                      <td>${JSON.stringify(c.previous[f] ?? null)}</td>
                      <td>${JSON.stringify(v)}</td>
                    </tr>`,
                ),
              )}
            </tbody>
          </table>
          ${
            p.plan.changes.length > 50
              ? html`<p class="muted">… and ${p.plan.changes.length - 50} more records.</p>`
              : ""
          }
          ${
            canApprove
              ? html`<form method="post" action="/plans/approve">
                  ${csrfField(opts.viewer.csrf)}<input type="hidden" name="plan" value="${p.planId}" /><button
                    type="submit"
                  >
                    Approve and write ${p.planId}
                  </button>
                </form>`
              : html`<p class="muted">Only an approver can approve a plan.</p>`
          }
        </section>`,
    )}`;
}

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

export function loginPage(opts: { token: string; next: string; error?: string }): Html {
  return html`<form class="login" method="post" action="/login">
    <h1>trueup · sign in</h1>
    ${opts.error ? html`<div class="flash error" role="alert">${opts.error}</div>` : ""}
    <input type="hidden" name="csrf" value="${opts.token}" />
    <input type="hidden" name="next" value="${opts.next}" />
    <label>User <input name="user" autocomplete="username" required autofocus /></label>
    <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
    <button type="submit">Sign in</button>
  </form>`;
}

export function messagePage(title: string, text: string): Html {
  return html`<h1>${title}</h1>
    <p>${text}</p>
    <p><a href="/">Back to the queue</a></p>`;
}
