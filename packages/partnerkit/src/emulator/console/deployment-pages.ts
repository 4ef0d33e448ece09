import { html } from "hono/html";
import type { EmulatedDeployment } from "../deployments.ts";
import type { EmulatedProject, EmulatedResource } from "../state.ts";
import { envTable, type Html, statusBadge } from "./layout.ts";
import { resourceLink } from "./names.ts";
import { formatInstant } from "./time.ts";

/** How a deployment's ids read as names. */
export interface DeploymentNames {
  projectOf: (id: string) => EmulatedProject | undefined;
  resourceOf: (id: string) => EmulatedResource | undefined;
}

const projectLink = (id: string, names: DeploymentNames) =>
  html`<a href="/projects/${id}">${names.projectOf(id)?.name ?? id}</a>`;

export function deployForm(project: EmulatedProject): Html {
  const actions = project.connections.flatMap((connection) => connection.actions ?? []);
  return html`<section>
    <h2>Deploy</h2>
    <form method="post" action="/projects/${project.id}/deployments">
      <label for="target">Target</label>
      <select id="target" name="target">
        <option value="preview">Preview</option>
        <option value="production">Production</option>
      </select>
      <label for="ref">Git branch</label>
      <input id="ref" name="ref" value="main" required />
      <button type="submit">Deploy</button>
    </form>
    <p class="muted">${
      actions.length === 0
        ? "No deployment actions are configured on this project's connections."
        : `Runs the configured actions first: ${actions.join(", ")}.`
    }</p>
  </section>`;
}

export function deploymentList(deployments: EmulatedDeployment[]): Html {
  return html`<section>
    <h2>Deployments</h2>
    ${
      deployments.length === 0
        ? html`<p class="muted">None yet.</p>`
        : html`<table>
            <tr><th>Deployment</th><th>Target</th><th>Branch</th><th>State</th></tr>
            ${deployments.map(
              (deployment) => html`<tr>
                <td><a href="/deployments/${deployment.id}">${deployment.id}</a></td>
                <td>${deployment.target ?? "preview"}</td>
                <td>${deployment.ref}</td>
                <td>${statusBadge(deployment.state)}</td>
              </tr>`,
            )}
          </table>`
    }
  </section>`;
}

/** Every deployment of every project, newest first. */
export function deploymentsPage(deployments: EmulatedDeployment[], names: DeploymentNames): Html {
  return html`<h1>Deployments</h1>
    <section>
      ${
        deployments.length === 0
          ? html`<p class="muted">None yet. Deploy from a project's page.</p>`
          : html`<table>
              <tr><th>Deployment</th><th>Project</th><th>Target</th><th>Branch</th><th>Created</th><th>State</th></tr>
              ${deployments.map(
                (deployment) => html`<tr>
                  <td><a href="/deployments/${deployment.id}">${deployment.id}</a></td>
                  <td>${projectLink(deployment.projectId, names)}</td>
                  <td>${deployment.target ?? "preview"}</td>
                  <td>${deployment.ref}</td>
                  <td>${formatInstant(deployment.createdAt)}</td>
                  <td>${statusBadge(deployment.state)}</td>
                </tr>`,
              )}
            </table>`
      }
    </section>`;
}

export function deploymentPage(deployment: EmulatedDeployment, names: DeploymentNames): Html {
  const provisioning = deployment.state === "provisioning";
  const base = `/deployments/${deployment.id}`;
  return html`<h1>Deployment ${deployment.id} <span data-deployment-state>${statusBadge(deployment.state)}</span></h1>
    <section>
      <table>
        <tr><th>Project</th><td>${projectLink(deployment.projectId, names)}</td></tr>
        <tr><th>URL</th><td><code>${deployment.url}</code></td></tr>
        <tr><th>Target</th><td>${deployment.target ?? "preview"} (${deployment.environment} env)</td></tr>
        <tr><th>Branch</th><td>${deployment.ref}</td></tr>
      </table>
    </section>
    <section>
      <h2>Integration actions</h2>
      ${
        deployment.actions.length === 0
          ? html`<p class="muted">No actions ran for this deployment.</p>`
          : html`<table>
              <tr><th>Action</th><th>Resource</th><th>Status</th><th>Detail</th></tr>
              ${deployment.actions.map(
                (action) => html`<tr>
                  <td><code>${action.action}</code></td>
                  <td>${resourceLink(action.resourceId, names.resourceOf)}</td>
                  <td>${statusBadge(action.status)}</td>
                  <td>${action.statusText ?? ""} ${action.statusUrl ? html`<a href="${action.statusUrl}">details</a>` : ""}</td>
                </tr>`,
              )}
            </table>`
      }
    </section>
    ${checkRunsSection(deployment, names)}
    <section>
      <h2>Environment variables</h2>
      ${
        deployment.state === "ready"
          ? envTable(deployment.env)
          : html`<p class="muted">${provisioning ? "Available once the actions succeed." : `None: the deployment is ${deployment.state}.`}</p>`
      }
    </section>
    ${
      deployment.state === "deleted"
        ? ""
        : html`<section>
            ${provisioning ? html`<form method="post" action="${base}/cancel"><button class="secondary" type="submit">Cancel deployment</button></form>` : ""}
            <form method="post" action="${base}/delete"><button class="danger" type="submit">Delete deployment</button></form>
          </section>`
    }`;
}

/** The deployment's check runs (spec §8) with their conclusions; blocking ones hold promotion. */
function checkRunsSection(deployment: EmulatedDeployment, names: DeploymentNames): Html {
  const runs = deployment.checkRuns ?? [];
  if (runs.length === 0) return html``;
  return html`<section data-check-runs>
    <h2>Checks</h2>
    <table>
      <tr><th>Check</th><th>Resource</th><th>Blocking</th><th>Status</th><th>Detail</th></tr>
      ${runs.map(
        (run) => html`<tr>
          <td><code>${run.name}</code></td>
          <td>${resourceLink(run.resourceId, names.resourceOf)}</td>
          <td>${run.blocking ? "yes" : "no"}</td>
          <td>${statusBadge(run.conclusion ?? run.status)}</td>
          <td>${run.conclusionText ?? ""} ${run.externalUrl?.startsWith("https://") ? html`<a href="${run.externalUrl}">details</a>` : (run.externalUrl ?? "")}</td>
        </tr>`,
      )}
    </table>
  </section>`;
}
