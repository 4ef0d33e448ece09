import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

// No client build and no script: one stylesheet, fits 1280 px, long names wrap in their cell.
const STYLE = `
  :root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #15171a; background: #f6f7f9; }
  * { box-sizing: border-box; }
  body { margin: 0; overflow-wrap: anywhere; }
  .bar { background: #fff; border-bottom: 1px solid #e3e5e8; }
  .bar > div { max-width: 1040px; margin: 0 auto; padding: 14px 24px; display: flex; flex-wrap: wrap; gap: 8px 20px; align-items: center; }
  .bar a.home { font-weight: 650; color: inherit; text-decoration: none; font-size: 17px; }
  .bar nav { display: flex; gap: 16px; flex: 1; }
  .bar nav a { color: #4a4f57; text-decoration: none; font-size: 14px; }
  .bar .who { color: #4a4f57; font-size: 14px; display: flex; gap: 12px; align-items: center; }
  .bar form { margin: 0; }
  main { max-width: 1040px; margin: 0 auto; padding: 28px 24px 56px; }
  h1 { font-size: 24px; margin: 0 0 6px; }
  h2 { font-size: 16px; margin: 0 0 12px; }
  .sub { color: #5d636c; margin: 0 0 24px; font-size: 14px; }
  section { background: #fff; border: 1px solid #e3e5e8; border-radius: 10px; padding: 18px 20px; margin-bottom: 20px; min-width: 0; }
  table { border-collapse: collapse; width: 100%; font-size: 14px; table-layout: auto; }
  th, td { text-align: left; padding: 9px 10px; border-bottom: 1px solid #eef0f2; vertical-align: top; }
  th { color: #5d636c; font-weight: 550; font-size: 13px; }
  tr:last-child td { border-bottom: 0; }
  dl { display: grid; grid-template-columns: minmax(120px, 200px) 1fr; gap: 8px 16px; margin: 0; font-size: 14px; }
  dt { color: #5d636c; } dd { margin: 0; min-width: 0; }
  a { color: #0b5cd5; }
  code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
  .status { display: inline-block; padding: 2px 9px; border-radius: 999px; background: #eceef1; font-size: 12px; white-space: nowrap; }
  .status.ready { background: #d9f4e0; color: #13572a; }
  .status.pending, .status.onboarding { background: #fdf1c7; color: #6b4d00; }
  .status.error, .status.suspended { background: #fbdada; color: #8a1414; }
  .masked { letter-spacing: 2px; color: #5d636c; }
  .muted { color: #5d636c; font-size: 13px; }
  button { font: inherit; font-size: 13px; padding: 6px 12px; border-radius: 6px; border: 1px solid #c9cdd3; background: #fff; color: #15171a; cursor: pointer; }
  button.primary { background: #15171a; border-color: #15171a; color: #fff; }
  button.danger { color: #8a1414; border-color: #e7b4b4; }
  h3 { font-size: 14px; margin: 16px 0 6px; color: #33373d; }
  .num { text-align: right; white-space: nowrap; }
  .tabs { display: flex; flex-wrap: wrap; gap: 4px; margin: 0 0 20px; border-bottom: 1px solid #e3e5e8; }
  .tabs a { padding: 8px 12px; color: #4a4f57; text-decoration: none; font-size: 14px; border-bottom: 2px solid transparent; margin-bottom: -1px; }
  .tabs a.current { color: #15171a; border-bottom-color: #15171a; font-weight: 550; }
  .flash { background: #e6f4ea; border: 1px solid #b9e0c5; color: #13572a; border-radius: 8px; padding: 10px 14px; font-size: 14px; }
  form.stack { display: grid; gap: 12px; max-width: 520px; }
  form.row { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin: 0 0 12px; }
  form.inline { display: inline; margin: 0; }
  label { display: grid; gap: 4px; font-size: 13px; color: #33373d; }
  input, select, textarea { font: inherit; font-size: 14px; padding: 6px 9px; border: 1px solid #c9cdd3; border-radius: 6px; background: #fff; min-width: 0; max-width: 100%; }
  textarea { width: 100%; min-height: 90px; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f7f9; border: 1px solid #eef0f2; border-radius: 6px; padding: 10px 12px; font-size: 13px; margin: 0; }
  tr.linked td { background: #fffbe6; }
  .pager { display: flex; gap: 16px; margin-top: 12px; font-size: 14px; }
  .notice { max-width: 560px; margin: 64px auto; }
  .notice h1 { font-size: 20px; }
`;

export interface SignedInHeader {
  accountName: string;
  userName?: string;
  role: "ADMIN" | "USER";
  /** Where "Sign out" posts: `<SSO path>/logout`. */
  logoutPath: string;
}

/** A dashboard page for a signed-in user: a bar with the account, the user and "Sign out". */
export function dashboardDocument(title: string, who: SignedInHeader, body: Html): Html {
  return document(
    title,
    html`<header class="bar"><div>
      <a class="home" href="/dashboard">${who.accountName}</a>
      <nav><a href="/dashboard">Overview</a><a href="/dashboard/billing">Billing</a></nav>
      <span class="who">${who.userName ?? "Signed in"} <span class="status">${who.role === "ADMIN" ? "Admin" : "Viewer"}</span>
        <form method="post" action="${who.logoutPath}"><button type="submit">Sign out</button></form>
      </span>
    </div></header>
    <main>${body}</main>`,
  );
}

/** A page that only explains something: a refused sign-in, no session, signed out. */
export function noticeDocument(title: string, message: Html | string): Html {
  return document(
    title,
    html`<main class="notice"><section><h1>${title}</h1><p>${message}</p></section></main>`,
  );
}

function document(title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" />
<title>${title}</title><style>${raw(STYLE)}</style></head>
<body>${body}</body></html>`;
}

export function statusBadge(status: string): Html {
  return html`<span class="status ${status}">${status}</span>`;
}
