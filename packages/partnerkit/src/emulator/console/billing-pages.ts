import { html } from "hono/html";
import type { Balance } from "../../protocol/billing.ts";
import { formatCents } from "../../protocol/money.ts";
import type { VercelBillingItem } from "../../protocol/vercel-api.ts";
import { ANNOUNCED_INVOICE_STATES } from "../billing-driver.ts";
import type { EmulatedInstallation, EmulatedResource } from "../state.ts";
import type { BillingSubmission, StoredInvoice } from "../vercel-api/store.ts";
import type { Html } from "./layout.ts";
import { formatInstant } from "./time.ts";
import { usageCharts } from "./usage-chart.ts";

/** Prepaid balances as the console last learnt them, and from which call. */
export interface KnownBalances {
  timestamp: string;
  balances: Balance[];
  source: "submitted" | "purchase";
}

export interface BillingView {
  installation: EmulatedInstallation;
  resources: EmulatedResource[];
  history: BillingSubmission[];
  invoices: StoredInvoice[];
  balances?: KnownBalances;
  /** The answer to the last credit purchase, when the page follows one. */
  notice?: string;
  resourceName: (id: string) => string;
}

export function billingIndexPage(installations: EmulatedInstallation[]): Html {
  return html`<h1>Billing</h1>
    <section>
      ${
        installations.length === 0
          ? html`<p class="muted">No installations yet.</p>`
          : html`<table>
              <tr><th>Installation</th><th>Status</th></tr>
              ${installations.map(
                (installation) => html`<tr>
                  <td><a href="/installations/${installation.id}/billing">${installation.id}</a></td>
                  <td>${installation.status}${installation.finalized ? " (finalized)" : ""}</td>
                </tr>`,
              )}
            </table>`
      }
    </section>`;
}

export function billingPage(view: BillingView): Html {
  const { installation } = view;
  return html`<h1>Billing of ${installation.id}</h1>
    ${view.notice ? html`<section role="status"><p>${view.notice}</p></section>` : ""}
    <section>
      <h2>Usage over time</h2>
      ${usageCharts(view.history, view.resourceName)}
      <p class="muted">Running totals for the period from each Submit Billing Data call (§5.12), one chart per unit.</p>
    </section>
    <section>
      <h2>Current period</h2>
      ${currentPeriod(view)}
      ${installation.status === "installed" ? closePeriodForm(installation.id) : ""}
    </section>
    <section>
      <h2>Invoices</h2>
      ${invoiceTable(installation.id, view.invoices)}
    </section>
    <section>
      <h2>Prepaid balances</h2>
      ${balanceTable(view.balances, view.resourceName)}
      ${installation.status === "installed" ? creditForm(installation.id, view.resources) : ""}
    </section>`;
}

function invoiceTable(installationId: string, invoices: StoredInvoice[]): Html {
  if (invoices.length === 0) return html`<p class="muted">No invoices yet.</p>`;
  return html`<table>
    <tr><th>Invoice</th><th>External id</th><th>Period</th><th>Total</th><th>State</th><th>Move to</th></tr>
    ${invoices.map(
      ({ invoice, final }) => html`<tr>
        <td>${invoice.invoiceNumber ?? invoice.invoiceId}${invoice.test ? " (test)" : ""}${final ? " (final)" : ""}</td>
        <td><code>${invoice.externalId ?? "—"}</code></td>
        <td>${invoice.period.start.slice(0, 10)} → ${invoice.period.end.slice(0, 10)}</td>
        <td>$${invoice.total}</td>
        <td><span class="status">${invoice.state}</span></td>
        <td>
          <form method="post" action="/installations/${installationId}/billing/invoices/${invoice.invoiceId}/state">
            <select name="state" aria-label="New state of ${invoice.invoiceId}">
              ${ANNOUNCED_INVOICE_STATES.map((state) => html`<option value="${state}">${state}</option>`)}
            </select>
            <button type="submit" class="secondary">Change and send webhook</button>
          </form>
        </td>
      </tr>`,
    )}
  </table>`;
}

function balanceTable(
  known: KnownBalances | undefined,
  resourceName: (id: string) => string,
): Html {
  if (!known || known.balances.length === 0) {
    return html`<p class="muted">No balances yet: the partner reports them with its billing data, or in answer to a credit purchase.</p>`;
  }
  return html`<table>
    <tr><th>Resource</th><th>Balance</th><th>Credit</th></tr>
    ${known.balances.map(
      (balance) => html`<tr>
        <td>${balance.resourceId ? resourceName(balance.resourceId) : "installation"}</td>
        <td>${formatCents(balance.currencyValueInCents)} USD</td>
        <td>${balance.credit ?? ""}</td>
      </tr>`,
    )}
  </table>
  <p class="muted">As of ${formatInstant(known.timestamp)}, ${
    known.source === "purchase"
      ? "from the answer to the credit purchase (§4.15)"
      : "as the partner submitted them (§5.14)"
  }.</p>`;
}

function creditForm(installationId: string, resources: EmulatedResource[]): Html {
  const prepaid = resources.filter((resource) => resource.billingPlan?.type === "prepayment");
  if (prepaid.length === 0) return html`<p class="muted">No resource is on a prepayment plan.</p>`;
  return html`<form method="post" action="/installations/${installationId}/billing/credits">
    <label for="credit-resource">Buy credits for</label>
    <select id="credit-resource" name="resourceId">
      ${prepaid.map((resource) => html`<option value="${resource.id}">${resource.name}</option>`)}
    </select>
    <label for="credit-amount">Amount (USD)</label>
    <input id="credit-amount" name="amount" value="10.00" inputmode="decimal" />
    <button type="submit">Pay and provision the purchase</button>
  </form>`;
}

/** The latest billing data's items: what the period's invoice will hold if nothing changes. */
function currentPeriod({ history, resourceName }: BillingView): Html {
  const latest = history.at(-1)?.data;
  if (!latest) return html`<p class="muted">No billing data submitted yet.</p>`;
  const items: VercelBillingItem[] = Array.isArray(latest.billing)
    ? latest.billing
    : latest.billing.items;
  const total = items.reduce((cents, item) => cents + Math.round(Number(item.total) * 100), 0);
  return html`<p>Period ${formatInstant(latest.period.start)} → ${formatInstant(latest.period.end)}, as reported ${formatInstant(latest.timestamp)}.</p>
    ${
      items.length === 0
        ? html`<p class="muted">Nothing billed so far.</p>`
        : html`<table data-period-items>
            <tr><th>Item</th><th>Resource</th><th>Quantity</th><th>Price</th><th>Total</th></tr>
            ${items.map(
              (item) => html`<tr>
                <td>${item.name}${item.details ? html` <span class="muted">${item.details}</span>` : ""}</td>
                <td>${item.resourceId ? resourceName(item.resourceId) : "installation"}</td>
                <td>${item.quantity.toLocaleString("en-US")} ${item.units}</td>
                <td>$${item.price}</td>
                <td>$${item.total}</td>
              </tr>`,
            )}
            <tr><th colspan="4">Total so far</th><th>$${formatCents(total)}</th></tr>
          </table>`
    }
    <p class="muted">The partner closes the period by submitting its invoice once the period has ended (§5.13), or at once as final invoices when the integration is uninstalled; it then appears under Invoices.</p>`;
}

function closePeriodForm(installationId: string): Html {
  return html`<form method="post" action="/installations/${installationId}/billing/close-period">
    <button type="submit" class="secondary">Close the period now</button>
    <p class="muted">Moves the partner's billing clock to the start of the next period (only a server run by <code>partnerkit dev</code> offers it), so it submits this period's invoices at once, for every installation.</p>
  </form>`;
}
