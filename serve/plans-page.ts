import type { ApprovedPlan, PendingPlan } from "../reverse/governance/plans.js";
import { allows } from "./auth.js";
import { csrfField, html, type Html } from "./html.js";
import type { Viewer } from "./views.js";

/** The correction plans waiting for an approver, each shown as it will be written. */

/** The plans approved lately: who approved each, when, and whether it was written. */
function approvedTable(approved: ApprovedPlan[]): Html {
  if (!approved.length) return html``;
  return html`<h2>Approved</h2>
    <table data-testid="approved">
      <thead>
        <tr>
          <th>Plan</th>
          <th>Sync</th>
          <th>Approved by</th>
          <th>Approved at</th>
          <th>Status</th>
        </tr>
      </thead>
      <tbody>
        ${approved.map(
          (a) =>
            html`<tr data-plan="${a.planId}">
              <td>${a.planId}</td>
              <td>${a.sync}</td>
              <td data-testid="approved-by">${a.approvedBy}</td>
              <td>${a.approvedAt}</td>
              <td>${a.status}${a.appliedAt ? html` <span class="muted">at ${a.appliedAt}</span>` : ""}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

export function plansPage(opts: { viewer: Viewer; plans: PendingPlan[]; approved: ApprovedPlan[] }): Html {
  const canApprove = allows(opts.viewer.role, "approver");
  if (opts.plans.length === 0)
    return html`<h1>Correction plans</h1>
      <p class="muted">No correction plan is waiting for approval.</p>
      ${approvedTable(opts.approved)}`;
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
    )}
    ${approvedTable(opts.approved)}`;
}
