import { html } from "hono/html";
import type { JsonObject, ResourceStatus } from "../protocol/common.ts";
import type { UsageLine } from "./dashboard-data.ts";
import type { ResourceLink } from "./dashboard-hook.ts";
import { resourcePage } from "./landing.ts";
import { type Html, statusBadge } from "./page-layout.ts";

/** A resource as the dashboard shows it: names, not ids, and no secret values. */
export interface ResourceSummary {
  id: string;
  name: string;
  productName: string;
  planId: string;
  planName: string;
  status: ResourceStatus;
}

export interface OverviewView {
  accountName: string;
  installationId: string;
  resources: ResourceSummary[];
}

export function overviewPage(view: OverviewView): Html {
  return html`<h1>${view.accountName}</h1>
    <p class="sub">Vercel installation <code>${view.installationId}</code></p>
    <section>
      <h2>Resources</h2>
      ${
        view.resources.length === 0
          ? html`<p class="muted">No resources yet. Create one from the Vercel dashboard.</p>`
          : resourceTable(view.resources)
      }
    </section>`;
}

export function resourceTable(resources: ResourceSummary[]): Html {
  return html`<table>
    <tr><th>Name</th><th>Product</th><th>Plan</th><th>Status</th></tr>
    ${resources.map(
      (resource) => html`<tr>
        <td><a href="${resourcePage(resource.id)}">${resource.name}</a></td>
        <td>${resource.productName}</td>
        <td>${resource.planName}</td>
        <td>${statusBadge(resource.status)}</td>
      </tr>`,
    )}
  </table>`;
}

export interface ResourceView extends ResourceSummary {
  metadata: JsonObject;
  /** Secret names only: values never leave the server. */
  secretNames: string[];
  usage: UsageLine[];
  /** The provider's pages about this resource (`dashboard.resourceLinks`). */
  links: ResourceLink[];
}

/** The pages about one resource, as tabs above each of them. */
export function resourceTabs(resourceId: string, links: ResourceLink[], current: string): Html {
  const page = resourcePage(resourceId);
  const tabs = [
    { label: "Details", href: page, key: "" },
    ...links.map((link) => ({ label: link.label, href: `${page}/${link.path}`, key: link.path })),
    { label: "Secrets", href: `${page}/secrets`, key: "secrets" },
  ];
  return html`<nav class="tabs">${tabs.map((tab) =>
    tab.key === current
      ? html`<a class="current" aria-current="page" href="${tab.href}">${tab.label}</a>`
      : html`<a href="${tab.href}">${tab.label}</a>`,
  )}</nav>`;
}

export function resourceDetailPage(view: ResourceView): Html {
  const settings = Object.entries(view.metadata);
  return html`<h1>${view.name}</h1>
    <p class="sub">${view.productName} · ${statusBadge(view.status)}</p>
    ${resourceTabs(view.id, view.links, "")}
    <section>
      <h2>Details</h2>
      <dl>
        <dt>Product</dt><dd>${view.productName}</dd>
        <dt>Plan</dt><dd>${view.planName}</dd>
        <dt>Status</dt><dd>${statusBadge(view.status)}</dd>
        ${settings.map(([key, value]) => html`<dt>${key}</dt><dd>${settingText(value)}</dd>`)}
      </dl>
    </section>
    <section>
      <h2>Usage this period</h2>
      ${usageTable(view.usage)}
    </section>
    <section id="secrets">
      <h2>Secrets</h2>
      ${
        view.secretNames.length === 0
          ? html`<p class="muted">This resource has no secrets.</p>`
          : html`<table>
              <tr><th>Name</th><th>Value</th></tr>
              ${view.secretNames.map((name) => html`<tr><td><code>${name}</code></td><td>${MASK}</td></tr>`)}
            </table>
            <p class="muted">Values are hidden here. Vercel adds them to the environment variables of the projects connected to this resource.</p>`
      }
      <p><a href="${resourcePage(view.id)}/secrets">Manage secrets</a></p>
    </section>
    <p><a href="/dashboard">← All resources</a></p>`;
}

export const MASK = html`<span class="masked" aria-label="hidden">••••••••</span>`;

/** A resource's meters this period, as the next billing submission reports them to Vercel. */
export function usageTable(usage: UsageLine[]): Html {
  if (usage.length === 0) {
    return html`<p class="muted">Nothing is metered for this resource this period.</p>`;
  }
  return html`<table>
    <tr><th>Meter</th><th class="num">This period</th><th class="num">Today</th></tr>
    ${usage.map(
      (line) => html`<tr>
        <td>${line.name}</td>
        <td class="num">${quantity(line.periodValue, line.units)}</td>
        <td class="num">${quantity(line.dayValue, line.units)}</td>
      </tr>`,
    )}
  </table>`;
}

const quantity = (value: number, units: string) =>
  `${value.toLocaleString("en-US", { maximumFractionDigits: 2 })} ${units}`;

/** A metadata value as text: lists joined, objects as JSON. */
function settingText(value: JsonObject[string]): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.every((item) => typeof item !== "object" || item === null)) {
    return value.map(String).join(", ");
  }
  return JSON.stringify(value);
}
