import type { ServeRole } from "../config/schema.js";
import { html, type Html } from "./html.js";

/**
 * What the finance pages share (the viewer, the queue's query, links to a discrepancy) and
 * the small pages: sign-in and a message. Each larger page has its own file: queue-page.ts,
 * discrepancy-page.ts, plans-page.ts, close-page.ts.
 */
/** The queue's filters as the page's form holds them (query string values). */
export interface QueueQuery {
  category?: string;
  team?: string;
  assignee?: string;
  state?: string;
  minAge?: number;
  minAmount?: number;
  /** 1 for the largest items; each page holds the server's page size. */
  page?: number;
}

export interface Viewer {
  name: string;
  role: ServeRole;
  csrf: string;
}

export function discrepancyHref(item: { category: string; key: string }): string {
  return `/discrepancy?${new URLSearchParams({ category: item.category, key: item.key }).toString()}`;
}

export function option(value: string, selected: string | undefined, text = value): Html {
  return html`<option value="${value}" ${value === selected ? html`selected` : ""}>${text}</option>`;
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
