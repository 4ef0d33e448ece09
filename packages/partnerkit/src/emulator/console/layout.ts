import type { Context } from "hono";
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { MASK } from "../mask.ts";

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const STYLE = `
  :root { font-family: system-ui, sans-serif; color: #111; background: #fafafa; }
  body { max-width: 1080px; margin: 0 auto; padding: 0 24px 48px; }
  header { display: flex; gap: 24px; align-items: center; border-bottom: 1px solid #ddd; padding: 16px 0; margin-bottom: 24px; }
  header strong { font-size: 18px; }
  header a { color: #444; text-decoration: none; }
  section { background: #fff; border: 1px solid #e5e5e5; border-radius: 8px; padding: 16px 20px; margin-bottom: 20px; }
  h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 0; }
  table { border-collapse: collapse; width: 100%; font-size: 14px; }
  th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #eee; vertical-align: top; }
  label { display: block; margin: 8px 0 4px; font-weight: 600; font-size: 14px; }
  input, select { padding: 6px 8px; font-size: 14px; min-width: 240px; }
  button { padding: 7px 14px; font-size: 14px; border-radius: 6px; border: 1px solid #111; background: #111; color: #fff; cursor: pointer; margin-top: 12px; }
  button.secondary { background: #fff; color: #111; }
  button.danger { background: #b00020; border-color: #b00020; }
  .plans { display: flex; gap: 12px; flex-wrap: wrap; }
  .plan { border: 1px solid #ddd; border-radius: 8px; padding: 10px 12px; min-width: 180px; }
  .status { display: inline-block; padding: 2px 8px; border-radius: 10px; background: #eee; font-size: 12px; }
  .status.ready, .status.installed, .status.succeeded, .status.accepted { background: #d7f5dd; }
  .status.error, .status.failed, .status.expired { background: #fbd5d5; }
  .status.provisioning, .status.pending, .status.running, .status.verified { background: #fdf0c4; }
  .error { background: #fff0f0; border-color: #f3b4b4; }
  pre { background: #f4f4f4; padding: 8px; overflow-x: auto; font-size: 12px; }
  .muted { color: #777; font-size: 13px; }
`;

export interface LayoutOptions {
  /** Reload the page every so many seconds, to watch something settle without a script. */
  refreshSeconds?: number;
}

export function layout(title: string, body: Html, options: LayoutOptions = {}): Html {
  return html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    ${options.refreshSeconds ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}" />` : ""}
    <title>${title} · Partnerkit emulator</title>
    <style>${STYLE}</style>
  </head>
  <body>
    <header>
      <strong>▲ Marketplace emulator</strong>
      <a href="/">Integration</a>
      <a href="/timeline">Timeline</a>
      <a href="/webhooks">Webhooks</a>
      <a href="/billing">Billing</a>
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

export function errorBox(message: string, detail?: unknown): Html {
  return html`<section class="error" role="alert">
    <h2>The partner refused</h2>
    <p>${message}</p>
    ${detail === undefined ? "" : html`<pre>${JSON.stringify(detail, null, 2)}</pre>`}
  </section>`;
}

export const statusBadge = (value: string) => html`<span class="status ${value}">${value}</span>`;

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
