import { html } from "hono/html";
import type { ResourceLink } from "./dashboard-hook.ts";
import { MASK, resourceTabs } from "./dashboard-pages.ts";
import { resourcePage } from "./landing.ts";
import type { Html } from "./page-layout.ts";

export interface SecretsView {
  resourceId: string;
  resourceName: string;
  productName: string;
  secretNames: string[];
  links: ResourceLink[];
  /** Whether the product rotates secrets (`secretsRotation`). */
  rotates: boolean;
  /** ADMIN: the rotation form is shown. */
  canWrite: boolean;
  csrfField: Html;
  /** A rotation not finished yet: a second one is refused until it is. */
  inProgress: boolean;
  /** What just happened, after the form's redirect. */
  outcome?: "rotated" | "queued";
}

/** How long the replaced secrets keep working, in hours (spec §4.10 allows 0…720). */
export const GRACE_CHOICES = [
  { hours: 0, label: "Stop at once" },
  { hours: 1, label: "1 hour" },
  { hours: 24, label: "1 day" },
  { hours: 168, label: "7 days" },
  { hours: 720, label: "30 days" },
] as const;

export function secretsPage(view: SecretsView): Html {
  return html`<h1>${view.resourceName}</h1>
    <p class="sub">${view.productName} · Secrets</p>
    ${resourceTabs(view.resourceId, view.links, "secrets")}
    ${
      view.outcome === "rotated"
        ? html`<p class="flash" role="status">New secrets were created and sent to Vercel. Redeploy the connected projects to use them.</p>`
        : view.outcome === "queued"
          ? html`<p class="flash" role="status">The rotation was started; the new secrets reach Vercel in a moment.</p>`
          : ""
    }
    <section>
      <h2>Secrets</h2>
      ${
        view.secretNames.length === 0
          ? html`<p class="muted">This resource has no secrets.</p>`
          : html`<table>
              <tr><th>Name</th><th>Value</th></tr>
              ${view.secretNames.map((name) => html`<tr><td><code>${name}</code></td><td>${MASK}</td></tr>`)}
            </table>`
      }
      <p class="muted">Values never leave the server; Vercel puts them in the environment variables of the connected projects.</p>
    </section>
    ${view.rotates ? rotationSection(view) : ""}
    <p><a href="${resourcePage(view.resourceId)}">← ${view.resourceName}</a></p>`;
}

function rotationSection(view: SecretsView): Html {
  if (view.inProgress) {
    return html`<section><h2>Rotate secrets</h2><p>A rotation is in progress. Reload this page in a moment.</p></section>`;
  }
  if (!view.canWrite) {
    return html`<section><h2>Rotate secrets</h2><p class="muted">Only team owners (Vercel role Admin) can rotate secrets.</p></section>`;
  }
  return html`<section>
    <h2>Rotate secrets</h2>
    <p class="muted">New secrets are created and sent to Vercel. The current ones keep working for the time you choose, so running deployments are not cut off.</p>
    <form method="post" action="${resourcePage(view.resourceId)}/secrets/rotate" class="stack">
      ${view.csrfField}
      <label>Keep the current secrets working
        <select name="delayHours">
          ${GRACE_CHOICES.map(
            (choice) =>
              html`<option value="${choice.hours}"${choice.hours === 24 ? html` selected` : ""}>${choice.label}</option>`,
          )}
        </select>
      </label>
      <label>Reason (optional)
        <input name="reason" maxlength="200" autocomplete="off" />
      </label>
      <div><button type="submit" class="primary">Rotate secrets</button></div>
    </form>
  </section>`;
}
