import { html } from "hono/html";
import type { JsonObject, ResourceStatus } from "../protocol/common.ts";
import { type Html, statusBadge } from "./page-layout.ts";

/** A resource as the dashboard shows it: names, not ids, and no secret values. */
export interface ResourceSummary {
  id: string;
  name: string;
  productName: string;
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

function resourceTable(resources: ResourceSummary[]): Html {
  return html`<table>
    <tr><th>Name</th><th>Product</th><th>Plan</th><th>Status</th></tr>
    ${resources.map(
      (resource) => html`<tr>
        <td><a href="/dashboard/resources/${encodeURIComponent(resource.id)}">${resource.name}</a></td>
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
}

export function resourceDetailPage(view: ResourceView): Html {
  const settings = Object.entries(view.metadata);
  return html`<h1>${view.name}</h1>
    <p class="sub">${view.productName} · ${statusBadge(view.status)}</p>
    <section>
      <h2>Details</h2>
      <dl>
        <dt>Product</dt><dd>${view.productName}</dd>
        <dt>Plan</dt><dd>${view.planName}</dd>
        <dt>Status</dt><dd>${statusBadge(view.status)}</dd>
        ${settings.map(([key, value]) => html`<dt>${key}</dt><dd>${settingText(value)}</dd>`)}
      </dl>
    </section>
    <section id="secrets">
      <h2>Secrets</h2>
      ${
        view.secretNames.length === 0
          ? html`<p class="muted">This resource has no secrets.</p>`
          : html`<table>
              <tr><th>Name</th><th>Value</th></tr>
              ${view.secretNames.map(
                (name) =>
                  html`<tr><td><code>${name}</code></td><td><span class="masked" aria-label="hidden">••••••••</span></td></tr>`,
              )}
            </table>
            <p class="muted">Values are hidden here. Vercel adds them to the environment variables of the projects connected to this resource.</p>`
      }
    </section>
    <p><a href="/dashboard">← All resources</a></p>`;
}

export function billingPage(view: OverviewView & { invoiceId?: string }): Html {
  return html`<h1>Billing</h1>
    <p class="sub">Invoices for ${view.accountName} are issued and paid through Vercel.</p>
    ${
      view.invoiceId
        ? html`<section><p>You came here from invoice <code>${view.invoiceId}</code>. Its lines are listed on the invoice in Vercel.</p></section>`
        : ""
    }
    <section>
      <h2>Plans</h2>
      ${
        view.resources.length === 0
          ? html`<p class="muted">No resources, nothing billed.</p>`
          : resourceTable(view.resources)
      }
    </section>`;
}

/** A metadata value as text: lists joined, objects as JSON. */
function settingText(value: JsonObject[string]): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.every((item) => typeof item !== "object" || item === null)) {
    return value.map(String).join(", ");
  }
  return JSON.stringify(value);
}
