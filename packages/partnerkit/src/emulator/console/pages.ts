import { html } from "hono/html";
import type { BillingPlan, JsonObject } from "../../protocol/common.ts";
import type { EmulatedDeployment } from "../deployments.ts";
import { ENVIRONMENTS, type Environment } from "../env-vars.ts";
import { MASK } from "../mask.ts";
import type { RecordedCall } from "../recorder.ts";
import type { EmulatedInstallation, EmulatedProject, EmulatedResource } from "../state.ts";
import { deployForm, deploymentList } from "./deployment-pages.ts";
import { envTable, type Html, statusBadge } from "./layout.ts";
import { type MetadataSchema, metadataFields } from "./metadata-form.ts";

export interface ConsoleProduct {
  id: string;
  name?: string;
  metadataSchema?: MetadataSchema;
  /** Deployment actions the product declares (spec §7 step 1), offered when connecting a project. */
  actions?: { slug: string; name?: string }[];
  /** Whether the product declares a resource REPL (spec §4.11): the console then offers one. */
  repl?: boolean;
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
}

export function installationPage(view: InstallationView): Html {
  const { installation, resources } = view;
  return html`<h1>Installation ${installation.id} ${statusBadge(installation.status)}</h1>
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
    ${
      installation.status === "installed"
        ? html`<section>
            <h2>Uninstall</h2>
            <form method="post" action="/installations/${installation.id}/uninstall">
              <label><input type="checkbox" name="cascade" value="true" checked style="min-width:0" /> Delete all resources</label>
              <button class="danger" type="submit">Uninstall integration</button>
            </form>
          </section>`
        : ""
    }`;
}

function createResourceForm(view: InstallationView): Html {
  const base = `/installations/${view.installation.id}`;
  const product = view.selectedProduct;
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
      ${metadataFields(product?.metadataSchema, view.metadata)}
      <button class="secondary" type="submit" data-refresh>Refresh plans</button>
      <h2 style="margin-top:16px">Plan</h2>
      ${view.plansError ?? ""}
      <div class="plans">
        ${view.plans.map(
          (plan, index) => html`<label class="plan">
            <input type="radio" name="billingPlanId" value="${plan.id}" style="min-width:0"
              ${(view.billingPlanId ? plan.id === view.billingPlanId : index === 0) ? "checked" : ""}
              ${plan.disabled ? "disabled" : ""} />
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

export interface ResourceView {
  installation: EmulatedInstallation;
  resource: EmulatedResource;
  projects: EmulatedProject[];
  product: ConsoleProduct | undefined;
  /** Panels shown while the resource lives (rotation, REPL, transfer). */
  tools?: Html;
}

export function resourcePage({
  installation,
  resource,
  projects,
  product,
  tools,
}: ResourceView): Html {
  const base = `/installations/${installation.id}/resources/${resource.id}`;
  const connected = projects.filter((project) =>
    project.connections.some((connection) => connection.resourceId === resource.id),
  );
  return html`<h1>${resource.name} ${statusBadge(resource.deleted ? "deleted" : resource.status)}</h1>
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
          ${tools ?? ""}
          <section>
            <h2>Delete</h2>
            <form method="post" action="${base}/delete">
              <button class="danger" type="submit">Delete resource</button>
            </form>
          </section>`
    }`;
}

export interface ProjectView {
  project: EmulatedProject;
  env: Record<Environment, Record<string, string>>;
  deployments: EmulatedDeployment[];
}

export function projectPage({ project, env, deployments }: ProjectView): Html {
  return html`<h1>Project ${project.name}</h1>
    ${deployForm(project)}
    ${deploymentList(deployments)}
    <section>
      <h2>Connected resources</h2>
      <table>
        <tr><th>Resource</th><th>Environments</th><th>Prefix</th><th>Deployment actions</th></tr>
        ${project.connections.map(
          (connection) => html`<tr>
            <td><code>${connection.resourceId}</code></td>
            <td>${connection.environments.join(", ")}</td>
            <td>${connection.prefix ?? "—"}</td>
            <td>${connection.actions?.join(", ") || "—"}</td>
          </tr>`,
        )}
      </table>
    </section>
    ${ENVIRONMENTS.map(
      (environment) => html`<section>
        <h2>${environment}</h2>
        ${envTable(env[environment])}
      </section>`,
    )}`;
}

export function timelinePage(calls: RecordedCall[]): Html {
  return html`<h1>Timeline</h1>
    <section>
      <p class="muted">Every call in both directions, newest first. Secrets are masked.</p>
      <table>
        <tr><th>Time</th><th>Direction</th><th>Call</th><th>Status</th><th>ms</th></tr>
        ${[...calls].reverse().map(
          (call) => html`<tr>
            <td>${call.at.slice(11, 23)}</td>
            <td>${call.direction}</td>
            <td>
              <details>
                <summary><code>${call.method} ${decodeURIComponent(new URL(call.url).pathname + new URL(call.url).search)}</code></summary>
                ${call.requestBody === undefined ? "" : html`<div class="muted">request</div><pre>${JSON.stringify(call.requestBody, null, 2)}</pre>`}
                ${call.responseBody === undefined ? "" : html`<div class="muted">response</div><pre>${JSON.stringify(call.responseBody, null, 2)}</pre>`}
                ${call.error ? html`<pre>${call.error}</pre>` : ""}
              </details>
            </td>
            <td>${statusBadge(String(call.status))}</td>
            <td>${call.durationMs}</td>
          </tr>`,
        )}
      </table>
    </section>`;
}
