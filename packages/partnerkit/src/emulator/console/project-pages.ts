import { html } from "hono/html";
import type { EmulatedDeployment } from "../deployments.ts";
import { ENVIRONMENTS, type Environment } from "../env-vars.ts";
import type { EmulatedProject, EmulatedResource } from "../state.ts";
import { deployForm, deploymentList } from "./deployment-pages.ts";
import { envTable, type Html } from "./layout.ts";
import { resourceLink } from "./names.ts";

export interface ProjectView {
  project: EmulatedProject;
  env: Record<Environment, Record<string, string>>;
  deployments: EmulatedDeployment[];
  resourceOf: (id: string) => EmulatedResource | undefined;
}

export function projectPage({ project, env, deployments, resourceOf }: ProjectView): Html {
  return html`<h1>Project ${project.name}</h1>
    ${deployForm(project)}
    ${deploymentList(deployments)}
    <section>
      <h2>Connected resources</h2>
      <table>
        <tr><th>Resource</th><th>Environments</th><th>Prefix</th><th>Deployment actions</th></tr>
        ${project.connections.map(
          (connection) => html`<tr>
            <td>${resourceLink(connection.resourceId, resourceOf)}</td>
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

export interface ProjectsView {
  projects: EmulatedProject[];
  resourceOf: (id: string) => EmulatedResource | undefined;
  deploymentCount: (projectId: string) => number;
}

export function projectsPage({ projects, resourceOf, deploymentCount }: ProjectsView): Html {
  return html`<h1>Projects</h1>
    <section>
      ${
        projects.length === 0
          ? html`<p class="muted">No projects yet. Connect a resource to a project from its page.</p>`
          : html`<table>
              <tr><th>Project</th><th>Connected resources</th><th>Deployments</th></tr>
              ${projects.map(
                (project) => html`<tr>
                  <td><a href="/projects/${project.id}">${project.name}</a></td>
                  <td>${project.connections.length === 0 ? "—" : project.connections.map((connection) => html`<div>${resourceLink(connection.resourceId, resourceOf)}</div>`)}</td>
                  <td>${deploymentCount(project.id)}</td>
                </tr>`,
              )}
            </table>`
      }
    </section>`;
}
