import { html } from "hono/html";
import type { InvoiceLine, PeriodUsage } from "./dashboard-data.ts";
import { type ResourceSummary, resourceTable, usageTable } from "./dashboard-pages.ts";
import { type Html, statusBadge } from "./page-layout.ts";

export interface BillingView {
  accountName: string;
  resources: ResourceSummary[];
  usage: PeriodUsage;
  invoices: InvoiceLine[];
  /** The invoice Vercel linked to (`invoice_id` of the sign-in), highlighted when listed. */
  invoiceId?: string;
}

const day = (iso: string) => iso.slice(0, 10);

export function billingPage(view: BillingView): Html {
  const { period } = view.usage;
  const linked = view.invoiceId;
  const known = linked && view.invoices.some((invoice) => invoice.vercelInvoiceId === linked);
  return html`<h1>Billing</h1>
    <p class="sub">Invoices for ${view.accountName} are issued and paid through Vercel.</p>
    ${
      linked && !known
        ? html`<section><p>You came here from invoice <code>${linked}</code>. It is not among the invoices listed below yet; its lines are on the invoice in Vercel.</p></section>`
        : ""
    }
    <section>
      <h2>Plans</h2>
      ${
        view.resources.length === 0
          ? html`<p class="muted">No resources, nothing billed.</p>`
          : resourceTable(view.resources)
      }
    </section>
    <section>
      <h2>Usage this period</h2>
      <p class="muted">${day(period.start)} to ${day(new Date(Date.parse(period.end) - 1).toISOString())}, as reported to Vercel.</p>
      ${
        view.resources.length === 0
          ? html`<p class="muted">No resources.</p>`
          : view.resources.map(
              (resource) =>
                html`<h3>${resource.name}</h3>${usageTable(view.usage.byResource.get(resource.id) ?? [])}`,
            )
      }
    </section>
    <section id="invoices">
      <h2>Invoices</h2>
      ${
        view.invoices.length === 0
          ? html`<p class="muted">No invoices yet. Each billing period is invoiced when it ends.</p>`
          : html`<table>
              <tr><th>For</th><th>Plan</th><th>Period</th><th class="num">Total</th><th>State</th></tr>
              ${view.invoices.map(
                (
                  invoice,
                ) => html`<tr${invoice.vercelInvoiceId && invoice.vercelInvoiceId === linked ? html` class="linked"` : ""}>
                  <td>${invoice.subject}</td>
                  <td>${invoice.planName}</td>
                  <td>${day(invoice.period.start)} – ${day(new Date(Date.parse(invoice.period.end) - 1).toISOString())}</td>
                  <td class="num">${invoice.total}</td>
                  <td>${statusBadge(invoice.state)}</td>
                </tr>`,
              )}
            </table>`
      }
    </section>`;
}
