import { html } from "hono/html";
import type { EmulatedInstallation } from "../state.ts";
import type { StoredInvoice } from "../vercel-api/store.ts";
import { type Html, statusBadge } from "./layout.ts";
import { formatInstant } from "./time.ts";

/** What the console's uninstall asked for and what the partner's DELETE answered. */
export interface UninstallOutcome {
  at: string;
  cascade: boolean;
  /** `finalized` of the partner's answer: true when nothing was owed. */
  finalized: boolean;
}

export function uninstallForm(installation: EmulatedInstallation): Html {
  return html`<section>
    <h2>Uninstall</h2>
    <form method="post" action="/installations/${installation.id}/uninstall">
      <label class="inline"><input type="checkbox" name="cascade" value="true" /> Delete all resources</label>
      <label class="inline"><input type="checkbox" name="confirm" value="yes" required /> Yes, uninstall ${installation.id}</label>
      <button class="danger" type="submit">Uninstall integration</button>
    </form>
    <p class="muted">Sends <code>DELETE /v1/installations/:id</code>; the partner then owes its final invoices and Finalize Installation unless it answers <code>finalized: true</code>.</p>
  </section>`;
}

export function uninstallResult(
  installation: EmulatedInstallation,
  uninstall: UninstallOutcome,
  finalInvoices: StoredInvoice[],
): Html {
  const finalizeCalled = installation.finalized && !uninstall.finalized;
  return html`<section role="status" data-uninstall-result>
    <h2>Uninstall result</h2>
    <table>
      <tr><th>Uninstalled at</th><td>${formatInstant(uninstall.at)}</td></tr>
      <tr><th>Resources</th><td>${uninstall.cascade ? "deleted with the installation" : "kept (not cascaded)"}</td></tr>
      <tr><th>Partner's answer</th><td>${uninstall.finalized ? "finalized: nothing was owed" : "not finalized: final invoices to follow"}</td></tr>
      <tr><th>Final invoices</th><td>${
        finalInvoices.length === 0
          ? "none"
          : finalInvoices.map(
              ({ invoice }) =>
                html`<div>${invoice.invoiceNumber ?? invoice.invoiceId}: $${invoice.total} (${invoice.state})</div>`,
            )
      }</td></tr>
      <tr><th>Finalize Installation</th><td>${
        uninstall.finalized
          ? "not needed"
          : finalizeCalled
            ? html`${statusBadge("succeeded")} called by the partner`
            : html`${statusBadge("pending")} not called yet`
      }</td></tr>
    </table>
    <p><a href="/installations/${installation.id}/billing">Billing of this installation</a></p>
  </section>`;
}
