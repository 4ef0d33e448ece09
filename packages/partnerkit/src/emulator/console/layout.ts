import type { Context } from "hono";
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { MASK } from "../mask.ts";

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

// Fits 1280 px: long ids and URLs wrap inside their cell instead of widening the page.
const STYLE = `
  :root { font-family: system-ui, sans-serif; color: #111; background: #fafafa; }
  body { max-width: 1120px; margin: 0 auto; padding: 0 24px 48px; overflow-wrap: anywhere; }
  header { display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: center; border-bottom: 1px solid #ddd; padding: 16px 0; margin-bottom: 24px; }
  header strong { font-size: 18px; }
  header a { color: #444; text-decoration: none; }
  section { background: #fff; border: 1px solid #e5e5e5; border-radius: 8px; padding: 16px 20px; margin-bottom: 20px; min-width: 0; }
  h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 0; }
  table { border-collapse: collapse; width: 100%; font-size: 14px; }
  th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #eee; vertical-align: top; }
  label { display: block; margin: 8px 0 4px; font-weight: 600; font-size: 14px; }
  label.inline { font-weight: normal; }
  label.inline input { min-width: 0; }
  input, select, textarea { padding: 6px 8px; font-size: 14px; min-width: 240px; max-width: 100%; box-sizing: border-box; }
  button { padding: 7px 14px; font-size: 14px; border-radius: 6px; border: 1px solid #111; background: #111; color: #fff; cursor: pointer; margin-top: 12px; }
  button.secondary { background: #fff; color: #111; }
  button.danger { background: #b00020; border-color: #b00020; }
  .plans { display: flex; gap: 12px; flex-wrap: wrap; }
  .plan { border: 1px solid #ddd; border-radius: 8px; padding: 10px 12px; min-width: 180px; }
  .status { display: inline-block; padding: 2px 8px; border-radius: 10px; background: #eee; font-size: 12px; white-space: nowrap; }
  .status.ready, .status.installed, .status.succeeded, .status.accepted, .status.ok { background: #d7f5dd; }
  .status.error, .status.failed, .status.expired, .status.server-error { background: #fbd5d5; }
  .status.provisioning, .status.pending, .status.running, .status.verified, .status.client-error { background: #fdf0c4; }
  .error { background: #fff0f0; border-color: #f3b4b4; }
  pre { background: #f4f4f4; padding: 8px; overflow-x: auto; font-size: 12px; white-space: pre-wrap; }
  .muted { color: #777; font-size: 13px; }
  .filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-end; }
  .filters label { margin: 0 0 4px; }
  .filters input, .filters select { min-width: 0; }
  .warning { color: #8a5a00; font-size: 13px; margin-top: 4px; }
  .repl-entry { border-top: 1px solid #eee; padding-top: 4px; }
  .field-error { color: #b00020; font-size: 13px; margin: 4px 0; }
  [aria-invalid=true] { border-color: #b00020; outline: 1px solid #b00020; }
  fieldset.choices { border: 0; padding: 0; margin: 0; min-width: 0; display: flex; flex-wrap: wrap; gap: 2px 16px; }
  fieldset.choices label { margin: 2px 0; }
  .slider { display: flex; align-items: center; gap: 10px; max-width: 100%; }
  .slider input[type=range] { min-width: 0; width: 320px; max-width: 100%; padding: 0; }
  .slider output { font-variant-numeric: tabular-nums; min-width: 3ch; font-weight: 600; }
`;

// An inline mark, so no page asks for /favicon.ico and finds nothing.
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path d="M16 4 30 28H2z" fill="#111"/></svg>`;
const FAVICON_HREF = `data:image/svg+xml,${encodeURIComponent(FAVICON_SVG)}`;

const NAVIGATION = [
  ["/", "Integration"],
  ["/projects", "Projects"],
  ["/deployments", "Deployments"],
  ["/timeline", "Timeline"],
  ["/webhooks", "Webhooks"],
  ["/billing", "Billing"],
] as const;

export interface LayoutOptions {
  /** Reload the page every so many seconds, to watch something settle without a script. */
  refreshSeconds?: number;
}

export function layout(title: string, body: Html, options: LayoutOptions = {}): Html {
  return html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    ${options.refreshSeconds ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}" />` : ""}
    <title>${title} · Partnerkit emulator</title>
    <link rel="icon" type="image/svg+xml" href="${FAVICON_HREF}" />
    <style>${STYLE}</style>
  </head>
  <body>
    <header>
      <strong>▲ Marketplace emulator</strong>
      ${NAVIGATION.map(([href, name]) => html`<a href="${href}">${name}</a>`)}
    </header>
    ${body}
  </body>
</html>`;
}

/** Answers a console page. */
export function page(
  c: Context,
  title: string,
  body: Html,
  status: 200 | 400 | 404 | 502 = 200,
  options?: LayoutOptions,
) {
  return c.html(layout(title, body, options), status);
}

export function errorBox(message: string, detail?: Html): Html {
  return html`<section class="error" role="alert">
    <h2>The partner refused</h2>
    <p>${message}</p>
    ${detail ?? ""}
  </section>`;
}

export function notFoundPage(path: string): Html {
  return html`<h1>Not found</h1>
    <section>
      <p>The console has no page at <code>${path}</code>.</p>
      <p><a href="/">Back to the integration</a></p>
    </section>`;
}

export const statusBadge = (value: string) => html`<span class="status ${value}">${value}</span>`;

/** An HTTP status coloured by its class: 2xx fine, 4xx refused, 5xx or no answer broken. */
export function httpStatusBadge(status: number): Html {
  const kind =
    status >= 200 && status < 400
      ? "ok"
      : status >= 400 && status < 500
        ? "client-error"
        : "server-error";
  return html`<span class="status ${kind}">${status || "no answer"}</span>`;
}

/** Env vars with their values masked until opened. */
export function envTable(env: Record<string, string>): Html {
  const entries = Object.entries(env);
  if (entries.length === 0) return html`<p class="muted">No variables.</p>`;
  return html`<table>
    ${entries.map(
      ([name, value]) => html`<tr>
        <td><code>${name}</code></td>
        <td><details><summary>${MASK}</summary><code>${value}</code></details></td>
      </tr>`,
    )}
  </table>`;
}
