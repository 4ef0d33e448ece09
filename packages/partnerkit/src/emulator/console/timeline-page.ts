import { html } from "hono/html";
import type { RecordedCall } from "../recorder.ts";
import type { EmulatedInstallation } from "../state.ts";
import { type Html, httpStatusBadge } from "./layout.ts";
import { answerBody } from "./partner-answer.ts";
import { STATUS_CLASSES, type TimelineFilter, webhookEventType } from "./timeline-filter.ts";

const DIRECTIONS = ["vercel→partner", "partner→vercel", "webhook"] as const;

export interface TimelineView {
  /** The calls that pass the filter, oldest first. */
  calls: RecordedCall[];
  filter: TimelineFilter;
  installations: EmulatedInstallation[];
}

function callPath(call: RecordedCall): string {
  const url = new URL(call.url);
  try {
    return decodeURIComponent(url.pathname + url.search);
  } catch {
    return url.pathname + url.search;
  }
}

export function timelinePage({ calls, filter, installations }: TimelineView): Html {
  return html`<h1>Timeline</h1>
    <section>
      <p class="muted">Every call in both directions, newest first. Secrets are masked. Times are UTC.</p>
      ${filterForm(filter, installations)}
    </section>
    <section>
      ${
        calls.length === 0
          ? html`<p class="muted">No calls${hasFilter(filter) ? " match these filters" : " yet"}.</p>`
          : callTable(calls)
      }
    </section>`;
}

/** Calls newest first, each opening onto its bodies, with the warnings the partner should fix. */
export function callTable(calls: RecordedCall[]): Html {
  return html`<table style="table-layout:fixed" data-timeline>
    <colgroup><col style="width:118px" /><col style="width:124px" /><col /><col style="width:92px" /><col style="width:64px" /></colgroup>
    <tr><th>Time</th><th>Direction</th><th>Call</th><th>Status</th><th>ms</th></tr>
    ${[...calls].reverse().map(callRow)}
  </table>`;
}

const hasFilter = (filter: TimelineFilter) => Object.values(filter).some(Boolean);

function callRow(call: RecordedCall): Html {
  const event = webhookEventType(call);
  return html`<tr>
    <td>${call.at.slice(11, 23)}</td>
    <td>${call.direction}</td>
    <td>
      <details>
        <summary><code>${call.method} ${callPath(call)}</code>${event ? html` <strong data-event-type>${event}</strong>` : ""}</summary>
        ${call.requestBody === undefined ? "" : html`<div class="muted">request</div><pre>${JSON.stringify(call.requestBody, null, 2)}</pre>`}
        ${call.responseBody === undefined ? "" : html`<div class="muted">response</div>${answerBody(call.responseBody)}`}
        ${call.error ? html`<pre>${call.error}</pre>` : ""}
      </details>
      ${call.warnings?.map((warning) => html`<div class="warning" data-warning>⚠ ${warning}</div>`) ?? ""}
    </td>
    <td>${httpStatusBadge(call.status)}</td>
    <td>${call.durationMs}</td>
  </tr>`;
}

function filterForm(filter: TimelineFilter, installations: EmulatedInstallation[]): Html {
  const option = (value: string, label: string, selected: string | undefined) =>
    html`<option value="${value}" ${value === selected ? "selected" : ""}>${label}</option>`;
  return html`<form method="get" action="/timeline" class="filters" role="search">
    <div>
      <label for="filter-direction">Direction</label>
      <select id="filter-direction" name="direction">
        ${option("", "All", filter.direction)}
        ${DIRECTIONS.map((direction) => option(direction, direction, filter.direction))}
      </select>
    </div>
    <div>
      <label for="filter-installation">Installation</label>
      <select id="filter-installation" name="installationId">
        ${option("", "All", filter.installationId)}
        ${installations.map((installation) => option(installation.id, installation.id, filter.installationId))}
      </select>
    </div>
    <div>
      <label for="filter-status">Status</label>
      <select id="filter-status" name="status">
        ${option("", "All", filter.status)}
        ${STATUS_CLASSES.map((status) => option(status, status === "none" ? "no answer" : status, filter.status))}
      </select>
    </div>
    <div>
      <label for="filter-text">Text</label>
      <input id="filter-text" name="text" type="search" value="${filter.text ?? ""}" placeholder="path, event, body…" />
    </div>
    <div>
      <button type="submit" class="secondary">Filter</button>
      ${hasFilter(filter) ? html` <a href="/timeline">Clear</a>` : ""}
    </div>
  </form>`;
}
