import { html } from "hono/html";
import type { ExperimentationItem } from "../../protocol/experimentation.ts";
import type { RecordedCall } from "../recorder.ts";
import type { EmulatedInstallation, EmulatedResource } from "../state.ts";
import type { StoredFlagsConfig } from "../vercel-api/store.ts";
import { type Html, statusBadge } from "./layout.ts";
import { openItemInProvider } from "./sso-open.ts";
import { formatInstant } from "./time.ts";
import { callTable } from "./timeline-page.ts";

export interface FlagsSummary {
  resource: EmulatedResource;
  items: ExperimentationItem[];
  config: StoredFlagsConfig | undefined;
}

export interface FlagsView extends FlagsSummary {
  installation: EmulatedInstallation;
  /** The provisioning-delay fault in force. */
  delay: { ms: number; status: number } | undefined;
  /** The resource's calls to the experimentation API, oldest first. */
  calls: RecordedCall[];
}

const resourceBase = (resource: EmulatedResource) =>
  `/installations/${resource.installationId}/resources/${resource.id}`;

/** The resource page's Flags section: how many items, whether and when flags were pushed. */
export function flagsSection({ resource, items, config }: FlagsSummary): Html {
  const edgeConfig = resource.edgeConfig;
  return html`<section id="flags">
    <h2>Flags</h2>
    <p>
      ${items.length} experimentation ${items.length === 1 ? "item" : "items"} ·
      ${
        edgeConfig
          ? html`syncing to Edge Config <code>${edgeConfig.id}</code>,
              ${config ? `configuration pushed ${formatInstant(config.updatedAt)}` : "no configuration pushed yet"}`
          : "not syncing to an Edge Config"
      }
    </p>
    <p><a href="${resourceBase(resource)}/flags">Open the flags and the Edge Config</a></p>
  </section>`;
}

/** A resource's flags as Vercel shows them: the items, the pushed configuration, the calls. */
export function flagsPage(view: FlagsView): Html {
  const { resource } = view;
  const base = resourceBase(resource);
  return html`<h1>Flags of ${resource.name}</h1>
    <p><a href="${base}">← back to ${resource.name}</a></p>
    ${itemsSection(resource, view.items)}
    ${edgeConfigSection(resource, view.config)}
    ${delaySection(base, view.delay)}
    <section id="flags-calls">
      <h2>Calls to the experimentation API</h2>
      ${
        view.calls.length === 0
          ? html`<p class="muted">The partner has not called it for this resource yet.</p>`
          : callTable(view.calls)
      }
    </section>`;
}

function itemsSection(resource: EmulatedResource, items: ExperimentationItem[]): Html {
  const sorted = [...items].sort((a, b) => a.slug.localeCompare(b.slug));
  return html`<section id="flags-items">
    <h2>Experimentation items</h2>
    ${
      sorted.length === 0
        ? html`<p class="muted">None yet: the partner adds them with <code>POST …/experimentation/items</code>.</p>`
        : html`<table data-flags-items style="table-layout:fixed">
            <colgroup><col style="width:20%" /><col style="width:17%" /><col style="width:112px" /><col style="width:92px" /><col style="width:12%" /><col style="width:12%" /><col /></colgroup>
            <tr><th>Slug</th><th>Name</th><th>Category</th><th>Status</th><th>Created</th><th>Updated</th><th>Origin</th></tr>
            ${sorted.map(
              (item) => html`<tr>
                <td><code>${item.slug}</code></td>
                <td>${item.name ?? "—"}${item.description ? html`<div class="muted">${item.description}</div>` : ""}</td>
                <td>${item.category ?? "—"}</td>
                <td>${item.isArchived ? statusBadge("archived") : statusBadge("active")}</td>
                <td>${time(item.createdAt)}</td>
                <td>${time(item.updatedAt)}</td>
                <td>${originLink(item.origin)}
                  <div>${openItemInProvider(resource.installationId, resource.id, item.id)}</div></td>
              </tr>`,
            )}
          </table>`
    }
  </section>`;
}

const time = (at: number | undefined) => (at === undefined ? "—" : formatInstant(at));

/** The provider's page for an item; only http(s) becomes a link, so a pushed `javascript:` stays text. */
function originLink(origin: string): Html {
  return /^https?:\/\//i.test(origin)
    ? html`<a href="${origin}" rel="noreferrer" target="_blank">${origin}</a>`
    : html`<code>${origin}</code>`;
}

function edgeConfigSection(
  resource: EmulatedResource,
  config: StoredFlagsConfig | undefined,
): Html {
  const edgeConfig = resource.edgeConfig;
  if (!edgeConfig) {
    return html`<section id="edge-config">
      <h2>Edge Config</h2>
      <p>Flags do not sync to an Edge Config: pushes of the configuration answer 404.
        <a href="${resourceBase(resource)}#settings">Turn syncing on in the settings</a>.</p>
    </section>`;
  }
  return html`<section id="edge-config">
    <h2>Edge Config</h2>
    <table>
      <tr><th>Edge Config</th><td><code>${edgeConfig.id}</code></td></tr>
      <tr><th>Endpoint used</th><td>${config ? html`<code>PUT …/experimentation/${config.path}</code>` : "nothing pushed yet"}</td></tr>
      <tr><th>Digest</th><td><code>${config?.digest ?? "—"}</code></td></tr>
      <tr><th>Updated</th><td>${config ? formatInstant(config.updatedAt) : "—"}</td></tr>
    </table>
    ${config ? html`<pre data-flags-config>${JSON.stringify(config.items, null, 2)}</pre>` : ""}
  </section>`;
}

function delaySection(base: string, delay: FlagsView["delay"]): Html {
  return html`<section id="provisioning-delay">
    <h2>Provisioning delay</h2>
    <p class="muted">A fault for every resource: Vercel answers experimentation calls with 404 or
      409 "provisioning not finished" until this long after the resource was provisioned or got its
      Edge Config, as when Vercel's side of the provisioning is still running. A partner has to
      retry its first pushes.</p>
    <p data-delay-state>Now: ${delay ? `${delay.ms} ms, answering ${delay.status}` : "off"}</p>
    <form method="post" action="${base}/flags/provisioning-delay" class="filters">
      <div>
        <label for="delay-ms">Delay (ms)</label>
        <input id="delay-ms" name="ms" type="number" min="1" max="600000" step="1" value="${delay?.ms ?? 1000}" />
      </div>
      <div>
        <label for="delay-status">Answer</label>
        <select id="delay-status" name="status">
          <option value="409" ${delay?.status === 404 ? "" : "selected"}>409 Conflict</option>
          <option value="404" ${delay?.status === 404 ? "selected" : ""}>404 Not Found</option>
        </select>
      </div>
      <div>
        <button type="submit">Set delay</button>
        ${delay ? html`<button type="submit" name="off" value="1" class="secondary">Turn off</button>` : ""}
      </div>
    </form>
  </section>`;
}
