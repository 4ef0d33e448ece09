import { html } from "hono/html";
import type { BillingPlan, JsonObject } from "../../protocol/common.ts";
import { ENVIRONMENTS } from "../env-vars.ts";
import { MASK } from "../mask.ts";
import type { EmulatedInstallation, EmulatedProject, EmulatedResource } from "../state.ts";
import type { StoredInvoice } from "../vercel-api/store.ts";
import { type Html, statusBadge } from "./layout.ts";
import { REFRESH } from "./metadata-controls.ts";
import { type MetadataSchema, metadataFields } from "./metadata-form.ts";
import type { FieldErrors } from "./metadata-validation.ts";
import { chosenPlan, isFreePlan } from "./plan-tier.ts";
import { resourceSettings } from "./resource-settings.ts";
import { openInProviderLinks } from "./sso-open.ts";
import { type UninstallOutcome, uninstallForm, uninstallResult } from "./uninstall-pages.ts";

export interface ConsoleProduct {
  id: string;
  /** The product's slug, when its definition came from `product-config`. */
  slug?: string;
  name?: string;
  metadataSchema?: MetadataSchema;
  /** Deployment actions the product declares (spec §7 step 1), offered when connecting a project. */
  actions?: { slug: string; name?: string }[];
  /** Whether the product declares a resource REPL (spec §4.11): the console then offers one. */
  repl?: boolean;
  /** The REPL's commands when the product definition names them: listed up front and for `help`. */
  replCommands?: ReplCommandInfo[];
  /** Deployment checks the product declares (spec §8): the emulator runs them on each deploy. */
  checks?: { name: string; blocking: boolean }[];
  /**
   * The product implements the experimentation protocol (spec §5.18): its resources have a Flags
   * page, and with `edgeConfigSyncing` the console offers to sync their flags to an Edge Config.
   */
  experimentation?: { edgeConfigSyncing: boolean };
}

export interface ReplCommandInfo {
  name: string;
  args?: readonly string[];
  description?: string;
  write?: boolean;
}

export function dashboardPage(installations: EmulatedInstallation[], partnerUrl: string): Html {
  return html`<h1>Integration</h1>
    <section>
      <p>Partner server: <code>${partnerUrl}</code></p>
      <form method="post" action="/console/install">
        <button type="submit">Install integration</button>
      </form>
      <p class="muted">Accepting the terms sends <code>PUT /v1/installations/:id</code> with a fresh access token.</p>
    </section>
    <section>
      <h2>Installations</h2>
      ${
        installations.length === 0
          ? html`<p class="muted">None yet.</p>`
          : html`<table>
              <tr><th>Installation</th><th>Team</th><th>Status</th></tr>
              ${installations.map(
                (installation) => html`<tr>
                  <td><a href="/installations/${installation.id}">${installation.id}</a></td>
                  <td>${installation.accountId}</td>
                  <td>${statusBadge(installation.status)}${installation.finalized ? " (finalized)" : ""}</td>
                </tr>`,
              )}
            </table>`
      }
    </section>`;
}

export interface InstallationView {
  installation: EmulatedInstallation;
  resources: EmulatedResource[];
  products: ConsoleProduct[];
  selectedProduct: ConsoleProduct | undefined;
  metadata: JsonObject;
  /** What the form held before a re-render (e.g. after the region changed the plans). */
  name?: string;
  billingPlanId?: string;
  plans: BillingPlan[];
  plansError?: Html;
  /** Why the form was not sent: Vercel's form refuses these values (per metadata key). */
  metadataErrors?: FieldErrors;
  uninstall?: UninstallOutcome;
  /** Invoices the partner marked `final`, sent after the uninstall. */
  finalInvoices: StoredInvoice[];
  /** Whether "Sync flags to an Edge Config" is ticked (an experimentation product's option). */
  syncFlags: boolean;
}

export function installationPage(view: InstallationView): Html {
  const { installation, resources } = view;
  return html`<h1>Installation ${installation.id} ${statusBadge(installation.status)}</h1>
    ${installation.status === "installed" ? openInProviderLinks(installation.id) : ""}
    ${view.uninstall ? uninstallResult(installation, view.uninstall, view.finalInvoices) : ""}
    <section>
      <h2>Resources</h2>
      ${
        resources.length === 0
          ? html`<p class="muted">${installation.status === "installed" ? "No resources yet." : "No resources."}</p>`
          : html`<table>
              <tr><th>Name</th><th>Product</th><th>Plan</th><th>Status</th></tr>
              ${resources.map(
                (resource) => html`<tr>
                  <td><a href="/installations/${installation.id}/resources/${resource.id}">${resource.name}</a></td>
                  <td>${resource.productId}</td>
                  <td>${resource.billingPlan?.name ?? "—"}</td>
                  <td>${statusBadge(resource.status)}</td>
                </tr>`,
              )}
            </table>`
      }
    </section>
    ${installation.status === "installed" ? createResourceForm(view) : ""}
    ${installation.status === "installed" ? uninstallForm(installation) : ""}`;
}

function createResourceForm(view: InstallationView): Html {
  const base = `/installations/${view.installation.id}`;
  const product = view.selectedProduct;
  const chosen = chosenPlan(view.plans, view.billingPlanId);
  const paidPlan = chosen ? !isFreePlan(chosen) : true;
  // Paid-only fields come and go with the plan: only then does choosing one redraw the form.
  const planRedraws = Object.values(product?.metadataSchema?.properties ?? {}).some(
    (field) => field["ui:paid-only"],
  );
  return html`<section>
    <h2>Create a resource</h2>
    <form method="get" action="${base}">
      <label for="product">Product</label>
      <select id="product" name="productId" onchange="this.form.submit()">
        ${view.products.map(
          (candidate) =>
            html`<option value="${candidate.id}" ${candidate.id === product?.id ? "selected" : ""}>${candidate.name ?? candidate.id}</option>`,
        )}
      </select>
      <label for="name">Name</label>
      <input id="name" name="name" value="${view.name || `my-${product?.id ?? "resource"}`}" required />
      ${
        view.metadataErrors
          ? html`<p class="field-error" role="alert">Not sent: the form has values Vercel would refuse.</p>`
          : ""
      }
      ${metadataFields(product?.metadataSchema, view.metadata, {
        mode: "create",
        paidPlan,
        errors: view.metadataErrors,
      })}
      ${product?.experimentation?.edgeConfigSyncing ? syncFlagsChoice(view.syncFlags) : ""}
      <button class="secondary" type="submit" data-refresh>Refresh plans</button>
      <h2 style="margin-top:16px">Plan</h2>
      ${view.plansError ?? ""}
      <div class="plans">
        ${view.plans.map(
          (plan) => html`<label class="plan">
            <input type="radio" name="billingPlanId" value="${plan.id}" style="min-width:0"
              ${plan.id === chosen?.id ? "checked" : ""}
              ${plan.disabled ? "disabled" : ""} ${planRedraws ? html`onchange="${REFRESH}"` : ""} />
            ${plan.name} <span class="muted">(${plan.type})</span><br />
            ${plan.cost ? html`<strong>${plan.cost}</strong><br />` : ""}
            <span class="muted">${plan.description}</span>
          </label>`,
        )}
      </div>
      <button type="submit" formmethod="post" formaction="${base}/resources">Create resource</button>
    </form>
  </section>`;
}

/**
 * Vercel's option for a flags product, on by default. The hidden field tells a redrawn form whose
 * box was unticked from a form drawn for the first time.
 */
function syncFlagsChoice(checked: boolean): Html {
  return html`<input type="hidden" name="syncFlagsOffered" value="1" />
    <label class="inline"><input type="checkbox" name="syncFlags" value="on" ${checked ? "checked" : ""} />
      Sync flags to an Edge Config</label>
    <p class="muted">Vercel makes an Edge Config for the resource's flags and sends its id in
      <code>protocolSettings.experimentation.edgeConfigId</code>; connected projects get
      <code>EXPERIMENTATION_CONFIG</code>.</p>`;
}

export interface ResourceView {
  installation: EmulatedInstallation;
  resource: EmulatedResource;
  projects: EmulatedProject[];
  product: ConsoleProduct | undefined;
  /** Panels shown while the resource lives (rotation, REPL, transfer). */
  tools?: Html;
  /** The Flags section of an experimentation product's resource. */
  flags?: Html;
  /** The settings form after Vercel's form refused it: what was typed and why. */
  settings?: { metadata: JsonObject; errors: FieldErrors };
}

export function resourcePage({
  installation,
  resource,
  projects,
  product,
  tools,
  flags,
  settings,
}: ResourceView): Html {
  const base = `/installations/${installation.id}/resources/${resource.id}`;
  const connected = projects.filter((project) =>
    project.connections.some((connection) => connection.resourceId === resource.id),
  );
  return html`<h1>${resource.name} ${statusBadge(resource.deleted ? "deleted" : resource.status)}</h1>
    ${resource.deleted || installation.status !== "installed" ? "" : openInProviderLinks(installation.id, resource.id)}
    <section>
      <table>
        <tr><th>Resource id</th><td>${resource.id}</td></tr>
        <tr><th>Product</th><td>${resource.productId}</td></tr>
        <tr><th>Plan</th><td>${resource.billingPlan ? `${resource.billingPlan.name} (${resource.billingPlan.id})` : "—"}</td></tr>
        <tr><th>Metadata</th><td><code>${JSON.stringify(resource.metadata)}</code></td></tr>
        <tr><th>Secrets</th><td>${resource.secrets.map((secret) => html`<div><code>${secret.name}</code> = ${MASK}</div>`)}</td></tr>
      </table>
      <p><a href="/installations/${installation.id}">← back to the installation</a></p>
    </section>
    ${flags ?? ""}
    ${
      resource.deleted
        ? ""
        : html`<section>
            <h2>Connect to a project</h2>
            <form method="post" action="${base}/connect">
              <label for="project">Project name</label>
              <input id="project" name="project" value="my-app" required />
              <label>Environments</label>
              ${ENVIRONMENTS.map(
                (environment) =>
                  html`<label style="font-weight:normal"><input type="checkbox" name="environments" value="${environment}" checked style="min-width:0" /> ${environment}</label>`,
              )}
              <label for="prefix">Env var prefix (optional)</label>
              <input id="prefix" name="prefix" />
              ${
                product?.actions?.length
                  ? html`<label>Deployment actions</label>
                      ${product.actions.map(
                        (action) =>
                          html`<label style="font-weight:normal"><input type="checkbox" name="actions" value="${action.slug}" checked style="min-width:0" /> ${action.name ?? action.slug} <code>${action.slug}</code></label>`,
                      )}`
                  : ""
              }
              <button type="submit">Connect</button>
            </form>
            ${
              connected.length === 0
                ? ""
                : html`<p>Connected to ${connected.map((project) => html`<a href="/projects/${project.id}">${project.name}</a> `)}</p>`
            }
          </section>
          ${resourceSettings({ installation, resource, product, settings })}
          ${tools ?? ""}
          <section>
            <h2>Delete</h2>
            <form method="post" action="${base}/delete">
              <button class="danger" type="submit">Delete resource</button>
            </form>
          </section>`
    }`;
}
