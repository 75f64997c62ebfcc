import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Config, ServeRole } from "../config/schema.js";
import { errorMessage, UsageError } from "../core/errors.js";
import type { Logger } from "../core/log.js";
import {
  assign,
  closeStatus,
  explain,
  listQueue,
  queueChoices,
  reopen,
  showDiscrepancy,
  signoff,
  summarizeQueue,
  type LedgerContext,
  type QueueFilters,
  type ReviewState,
  type SignoffResult,
} from "../reconcile/ledger.js";
import { REVIEW_STATES } from "../reconcile/ledger.js";
import { listApprovedPlans, listPendingPlans } from "../reverse/governance/plans.js";
import type { Warehouse } from "../warehouse/interfaces.js";
import {
  cookie,
  cookies,
  HttpProblem,
  localPath,
  LOGIN_COOKIE,
  MONTH,
  numberParam,
  readForm,
  redirect,
  required,
  send,
  SESSION_COOKIE,
} from "./http.js";
import { allows, csrfMatches, newToken, Sessions, type Users, type WebSession } from "./auth.js";
import { page, type Html } from "./html.js";
import { closePage } from "./close-page.js";
import { openAmountTrend } from "./trend.js";
import { discrepancyPage } from "./discrepancy-page.js";
import { plansPage } from "./plans-page.js";
import { queuePage } from "./queue-page.js";
import { loginPage, messagePage, type QueueQuery, type Viewer } from "./views.js";

/**
 * `trueup serve`: the finance page over the ledger (reconcile/ledger.ts) and the correction
 * plans (reverse/governance/plans.ts). Plain node:http: a dozen routes of server-rendered forms
 * need no framework, and the package gains no dependency. Every request but the login needs a
 * session; every POST needs the session's CSRF token; roles are checked here, on the server.
 */

export interface ServeOptions {
  config: Config;
  warehouse: Warehouse;
  users: Users;
  log: Logger;
  /** Runs a pending correction plan as `trueup sync --approve ID` does; returns what to tell the approver. */
  approvePlan(planId: string, actor: string): Promise<string>;
  asOf?: string;
  /** Queue rows per page (default 500). */
  pageSize?: number;
  host?: string;
  port?: number;
}

export interface RunningServe {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startServe(options: ServeOptions): Promise<RunningServe> {
  const sessions = new Sessions(options.config.serve.sessionHours * 3600_000);
  const log = options.log.child({ component: "serve" });
  const ledger: LedgerContext = { warehouse: options.warehouse, config: options.config, asOf: options.asOf };
  const reportingCurrency = options.config.fx.reportingCurrency;
  const pageSize = options.pageSize ?? 500;
  /** What the last action did, shown once on the page it redirects to. */
  const flashes = new Map<string, { kind: "error" | "info"; text: string }>();

  function render(res: ServerResponse, s: WebSession, title: string, body: Html, status = 200): void {
    const flash = flashes.get(s.id);
    flashes.delete(s.id);
    send(res, status, page({ title, user: s.user, csrf: s.csrf, flash, body }));
  }

  function showLogin(
    res: ServerResponse,
    status: number,
    next: string,
    jar: Record<string, string>,
    error?: string,
  ): void {
    // The browser's own token is kept: a second request (the favicon, another tab) must not
    // invalidate the form already on screen.
    const token =
      jar[LOGIN_COOKIE] && /^[A-Za-z0-9_-]{43}$/.test(jar[LOGIN_COOKIE]) ? jar[LOGIN_COOKIE] : newToken();
    send(res, status, page({ title: "Sign in", body: loginPage({ token, next, error }) }), {
      "set-cookie": cookie(LOGIN_COOKIE, token, 600),
    });
  }

  function need(s: WebSession, role: ServeRole, what: string): void {
    if (!allows(s.user.role, role))
      throw new HttpProblem(
        403,
        "Not allowed",
        `${s.user.name} is a ${s.user.role}; ${what} needs the ${role} role (serve.users in the config)`,
      );
  }

  async function queue(res: ServerResponse, s: WebSession, url: URL): Promise<void> {
    const q = url.searchParams;
    const state = q.get("state") || undefined;
    const query: QueueQuery = {
      category: q.get("category") || undefined,
      team: q.get("team") || undefined,
      assignee: q.get("assignee")?.trim() || undefined,
      state: state && (REVIEW_STATES as readonly string[]).includes(state) ? state : undefined,
      minAge: numberParam(q.get("minAge")),
      minAmount: numberParam(q.get("minAmount")),
      page: Math.max(1, Math.trunc(numberParam(q.get("page")) ?? 1)),
    };
    // Every filter goes to the warehouse: one page of rows comes back, and the totals beside it.
    const filters: QueueFilters = {
      category: query.category,
      ownerTeam: query.team,
      assignee: query.assignee,
      state: query.state as ReviewState | undefined,
      minAgeDays: query.minAge,
      minAmount: query.minAmount,
    };
    const [result, summary, choices, series] = await Promise.all([
      listQueue(ledger, { ...filters, limit: pageSize, offset: (query.page! - 1) * pageSize }),
      summarizeQueue(ledger, filters),
      queueChoices(ledger),
      openAmountTrend(options.warehouse),
    ]);
    const categories = [
      ...new Set([...choices.categories, ...Object.keys(options.config.reconciliation.ownerTeams)]),
    ].sort();
    render(
      res,
      s,
      "Queue",
      queuePage({
        viewer: viewer(s),
        query,
        result,
        summary,
        pageSize,
        categories,
        teams: choices.teams,
        trend: series,
        reportingCurrency,
      }),
    );
  }

  function viewer(s: WebSession): Viewer {
    return { name: s.user.name, role: s.user.role, csrf: s.csrf };
  }

  async function discrepancy(res: ServerResponse, s: WebSession, url: URL): Promise<void> {
    const key = url.searchParams.get("key");
    const category = url.searchParams.get("category") || undefined;
    if (!key)
      throw new HttpProblem(400, "Missing key", "open a discrepancy from the queue (key is required)");
    const [view] = await showDiscrepancy(ledger, key, category);
    if (!view)
      throw new HttpProblem(404, "Not found", `no discrepancy ${category ?? ""} ${key} in the ledger`);
    render(
      res,
      s,
      `${view.item.category} ${view.item.key}`,
      discrepancyPage({ viewer: viewer(s), view, reasonCodes: options.config.reconciliation.reasonCodes }),
    );
  }

  async function act(
    res: ServerResponse,
    s: WebSession,
    action: string,
    form: URLSearchParams,
  ): Promise<void> {
    need(s, "preparer", `to ${action} a discrepancy`);
    const key = required(form, "key", "the discrepancy's key");
    const category = required(form, "category", "the discrepancy's category");
    const actor = s.user.name;
    const opts = { category };
    const result =
      action === "assign"
        ? await assign(ledger, [key], required(form, "to", "the assignee"), actor, opts)
        : action === "explain"
          ? await explain(
              ledger,
              [key],
              required(form, "reason", "a reason code"),
              required(form, "note", "a note"),
              actor,
              opts,
            )
          : await reopen(ledger, [key], actor, opts);
    log.info({ actor, action, category, key, changed: result.changed.length }, `discrepancy ${action}`);
    flashes.set(s.id, {
      kind: "info",
      text: result.changed.length
        ? `${action === "assign" ? "Assigned" : action === "explain" ? "Explained" : "Reopened"} ${category} ${key}.`
        : `${category} ${key} was already so; nothing changed.`,
    });
    redirect(res, `/discrepancy?${new URLSearchParams({ category, key }).toString()}`);
  }

  async function close(
    res: ServerResponse,
    s: WebSession,
    period: string,
    refusal?: SignoffResult,
  ): Promise<void> {
    const rows = await closeStatus(ledger, period);
    render(
      res,
      s,
      `Close ${period}`,
      closePage({
        viewer: viewer(s),
        period,
        rows,
        refusal: refusal && !refusal.ok ? refusal : undefined,
        reportingCurrency,
      }),
      refusal && !refusal.ok ? 409 : 200,
    );
  }

  async function defaultPeriod(): Promise<string> {
    const { asOf } = await listQueue(ledger, { limit: 1 });
    return asOf.slice(0, 7);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://serve.local");
    const method = req.method ?? "GET";
    const jar = cookies(req);

    if (method === "POST") {
      // A browser says where a form came from; a post from another origin is refused before anything else.
      const origin = req.headers.origin;
      if (origin && origin !== "null" && new URL(origin).host !== req.headers.host)
        throw new HttpProblem(
          403,
          "Forged form",
          "this form was not posted from this page; reload the page and retry",
        );
    }

    if (url.pathname === "/favicon.ico") return void res.writeHead(204).end();
    if (url.pathname === "/login") {
      if (method === "GET") return showLogin(res, 200, localPath(url.searchParams.get("next")), jar);
      if (method !== "POST") throw new HttpProblem(405, "Method not allowed", "GET or POST /login");
      const form = await readForm(req);
      const next = localPath(form.get("next"));
      if (!jar[LOGIN_COOKIE] || !csrfMatches(jar[LOGIN_COOKIE], form.get("csrf")))
        return showLogin(res, 403, next, {}, "The sign-in form expired; sign in again.");
      const name = form.get("user")?.trim() ?? "";
      const user = await options.users.verify(name, form.get("password") ?? "");
      if (!user) {
        log.warn({ user: name }, "sign-in refused");
        return showLogin(res, 401, next, jar, "Unknown user or wrong password.");
      }
      const session = sessions.create(user);
      log.info({ actor: user.name, role: user.role }, "signed in");
      return redirect(res, next, {
        "set-cookie": [cookie(SESSION_COOKIE, session.id), cookie(LOGIN_COOKIE, "", 0)],
      });
    }

    const s = sessions.get(jar[SESSION_COOKIE]);
    if (!s) {
      if (method === "GET") return showLogin(res, 401, localPath(url.pathname + url.search), jar);
      throw new HttpProblem(401, "Sign in", "sign in first");
    }

    if (method === "POST") {
      const form = await readForm(req);
      if (!csrfMatches(s.csrf, form.get("csrf")))
        throw new HttpProblem(
          403,
          "Forged form",
          "the form's token does not match your session; reload the page and retry",
        );
      switch (url.pathname) {
        case "/logout":
          sessions.end(s.id);
          log.info({ actor: s.user.name }, "signed out");
          return redirect(res, "/login", { "set-cookie": cookie(SESSION_COOKIE, "", 0) });
        case "/discrepancy/assign":
          return act(res, s, "assign", form);
        case "/discrepancy/explain":
          return act(res, s, "explain", form);
        case "/discrepancy/reopen":
          return act(res, s, "reopen", form);
        case "/plans/approve": {
          need(s, "approver", "approving a correction plan");
          const id = required(form, "plan", "the plan id");
          log.info({ actor: s.user.name, plan_id: id }, "correction plan approved");
          const text = await options.approvePlan(id, s.user.name);
          log.info({ actor: s.user.name, plan_id: id }, text);
          flashes.set(s.id, { kind: "info", text });
          return redirect(res, "/plans");
        }
        case "/close/signoff": {
          need(s, "approver", "signing off a period");
          const period = required(form, "period", "the period");
          if (!MONTH.test(period))
            throw new HttpProblem(400, "Bad period", `period must be YYYY-MM, got "${period}"`);
          const entity = form.get("entity")?.trim() || undefined;
          const result = await signoff(ledger, period, entity, s.user.name);
          log.info(
            { actor: s.user.name, period, entity: entity ?? "all", signed: result.ok },
            result.ok ? "period signed off" : "sign-off refused",
          );
          if (!result.ok) return close(res, s, period, result);
          flashes.set(s.id, { kind: "info", text: `Signed off ${period} for ${result.signoff.entity}.` });
          return redirect(res, `/close?period=${period}`);
        }
        default:
          throw new HttpProblem(404, "Not found", `nothing is posted to ${url.pathname}`);
      }
    }

    if (method !== "GET" && method !== "HEAD")
      throw new HttpProblem(405, "Method not allowed", "GET or POST only");
    switch (url.pathname) {
      case "/":
        return queue(res, s, url);
      case "/discrepancy":
        return discrepancy(res, s, url);
      case "/plans":
        return render(
          res,
          s,
          "Correction plans",
          plansPage({
            viewer: viewer(s),
            plans: await listPendingPlans(options.warehouse),
            approved: await listApprovedPlans(options.warehouse),
          }),
        );
      case "/close": {
        const p = url.searchParams.get("period");
        const period = p && MONTH.test(p) ? p : await defaultPeriod();
        return close(res, s, period);
      }
      default:
        throw new HttpProblem(404, "Not found", `no page ${url.pathname}`);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const problem =
        err instanceof HttpProblem
          ? err
          : err instanceof UsageError
            ? new HttpProblem(400, "Not done", errorMessage(err))
            : new HttpProblem(500, "Something failed", errorMessage(err));
      if (problem.status >= 500) log.error({ err, path: req.url }, "request failed");
      else log.info({ status: problem.status, path: req.url?.split("?")[0] }, problem.message);
      if (res.headersSent) return void res.end();
      const s = sessions.get(cookies(req)[SESSION_COOKIE]);
      const body = messagePage(problem.title, problem.message);
      send(res, problem.status, page({ title: problem.title, user: s?.user, csrf: s?.csrf, body }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? options.config.serve.port, options.host ?? options.config.serve.host, () =>
      resolve(),
    );
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
