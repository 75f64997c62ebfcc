import { escapeHtml } from "../core/html.js";
import { redactText } from "../core/redact.js";

/**
 * Server-rendered HTML. Every value interpolated into `html\`…\`` is escaped and redacted unless
 * it is already `Html` (the output of another `html` call), so vendor text in a record (a
 * customer name, a note someone typed) can neither inject markup nor show a credential.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

export { escapeHtml };

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return "";
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return part.map(render).join("");
  return escapeHtml(redactText(String(part as string | number | boolean)));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => (out += render(v) + strings[i + 1]!));
  return new Html(out);
}

/** Markup built elsewhere in this folder that is known to be safe (inline SVG assembled from numbers and escaped labels). */
export function trusted(text: string): Html {
  return new Html(text);
}

const STYLE = `
:root { --ink:#1d2430; --mute:#5b6575; --line:#dde2ea; --bg:#f6f7f9; --accent:#2457c5; --warn:#b4321f; --ok:#2f7d32; }
* { box-sizing: border-box; }
body { margin:0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--ink); background:var(--bg); }
header { background:#14213d; color:#fff; padding:10px 24px; display:flex; gap:24px; align-items:center; }
header a { color:#dfe7ff; text-decoration:none; } header a:hover { text-decoration:underline; }
header .brand { font-weight:700; letter-spacing:.02em; color:#fff; }
header .who { margin-left:auto; display:flex; gap:12px; align-items:center; color:#c9d3ea; }
main { padding:20px 24px; max-width:1400px; }
h1 { font-size:20px; margin:0 0 12px; } h2 { font-size:16px; margin:20px 0 8px; }
table { border-collapse:collapse; width:100%; background:#fff; border:1px solid var(--line); }
th, td { padding:6px 8px; border-bottom:1px solid var(--line); text-align:left; vertical-align:top; }
th { background:#eef1f6; font-weight:600; font-size:12px; text-transform:uppercase; letter-spacing:.03em; color:var(--mute); }
th.field { text-transform:none; font-family:ui-monospace, monospace; letter-spacing:0; width:40%; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
tr:hover td { background:#fafbfd; }
.muted { color:var(--mute); } .warn { color:var(--warn); font-weight:600; } .ok { color:var(--ok); }
form.filters { display:flex; flex-wrap:wrap; gap:10px; align-items:end; background:#fff; border:1px solid var(--line); padding:10px; margin-bottom:12px; }
form.filters label { display:flex; flex-direction:column; font-size:12px; color:var(--mute); gap:2px; }
input, select, textarea, button { font:inherit; }
input, select, textarea { border:1px solid #c3cad6; border-radius:4px; padding:4px 6px; background:#fff; }
button { border:1px solid var(--accent); background:var(--accent); color:#fff; border-radius:4px; padding:5px 12px; cursor:pointer; }
button.secondary { background:#fff; color:var(--accent); }
.cards { display:flex; gap:16px; flex-wrap:wrap; margin-bottom:12px; }
.card { background:#fff; border:1px solid var(--line); padding:10px 14px; }
.card .big { font-size:20px; font-weight:700; }
.charts { display:flex; gap:16px; flex-wrap:wrap; margin-bottom:16px; align-items:flex-start; }
.chart { background:#fff; border:1px solid var(--line); padding:8px 12px; margin:0; flex:0 0 auto; }
.chart .legend { max-width:560px; }
header .pill { background:#2c3b5e; color:#fff; }
.chart h2 { margin:4px 0 6px; }
.side { display:grid; grid-template-columns:1fr 1fr; gap:16px; }
.side pre, pre { background:#fff; border:1px solid var(--line); padding:8px; overflow:auto; max-height:420px; font-size:12px; }
.actions { display:flex; gap:16px; flex-wrap:wrap; }
.actions form { background:#fff; border:1px solid var(--line); padding:10px; display:flex; flex-direction:column; gap:6px; min-width:260px; }
.flash { padding:8px 12px; border:1px solid; margin-bottom:12px; background:#fff; }
.flash.error { border-color:var(--warn); color:var(--warn); } .flash.info { border-color:var(--ok); color:var(--ok); }
.pill { display:inline-block; padding:0 6px; border-radius:9px; font-size:12px; background:#eef1f6; }
.pill.unreviewed { background:#fde8e4; } .pill.assigned { background:#fff4d6; } .pill.explained { background:#e3f3e4; }
.login { max-width:340px; margin:80px auto; background:#fff; border:1px solid var(--line); padding:24px; display:flex; flex-direction:column; gap:10px; }
`;

export interface LayoutUser {
  name: string;
  role: string;
}

export function page(opts: {
  title: string;
  user?: LayoutUser;
  csrf?: string;
  flash?: { kind: "error" | "info"; text: string };
  body: Html;
}): string {
  const nav = opts.user
    ? html`<a href="/">Queue</a><a href="/plans">Correction plans</a><a href="/close">Close</a>
        <span class="who"
          >${opts.user.name} <span class="pill">${opts.user.role}</span>
          <form method="post" action="/logout" style="display:inline">
            <input type="hidden" name="csrf" value="${opts.csrf}" /><button class="secondary" type="submit">
              Log out
            </button>
          </form></span
        >`
    : html``;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        ${opts.csrf ? html`<meta name="csrf-token" content="${opts.csrf}" />` : ""}
        <title>${opts.title} · trueup</title>
        <style>
          ${trusted(STYLE)}
        </style>
      </head>
      <body>
        <header><a class="brand" href="/">trueup</a>${nav}</header>
        <main>
          ${opts.flash ? html`<div class="flash ${opts.flash.kind}" role="status">${opts.flash.text}</div>` : ""}
          ${opts.body}
        </main>
      </body>
    </html>`.text;
}

/** A hidden CSRF field: every form that posts carries one. */
export function csrfField(token: string): Html {
  return html`<input type="hidden" name="csrf" value="${token}" />`;
}

export function money(amount: number | null | undefined, currency?: string | null): string {
  if (amount === null || amount === undefined || !Number.isFinite(amount)) return "—";
  const text = amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return currency ? `${text} ${currency}` : text;
}
