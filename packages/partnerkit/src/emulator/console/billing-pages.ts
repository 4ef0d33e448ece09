import { html } from "hono/html";
import type { Balance } from "../../protocol/billing.ts";
import { formatCents } from "../../protocol/money.ts";
import { ANNOUNCED_INVOICE_STATES } from "../billing-driver.ts";
import type { EmulatedInstallation, EmulatedResource } from "../state.ts";
import type { BillingSubmission, StoredInvoice } from "../vercel-api/store.ts";
import type { Html } from "./layout.ts";

export interface BillingView {
  installation: EmulatedInstallation;
  resources: EmulatedResource[];
  history: BillingSubmission[];
  invoices: StoredInvoice[];
  balances?: { timestamp: string; balances: Balance[] };
  /** The answer to the last credit purchase, when the page follows one. */
  notice?: string;
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
      ${usageChart(view.history)}
      <p class="muted">Running totals for the period from each Submit Billing Data call (§5.12).</p>
    </section>
    <section>
      <h2>Invoices</h2>
      ${invoiceTable(installation.id, view.invoices)}
    </section>
    <section>
      <h2>Prepaid balances</h2>
      ${balanceTable(view.balances)}
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

function balanceTable(submitted: BillingView["balances"]): Html {
  if (!submitted || submitted.balances.length === 0) {
    return html`<p class="muted">No balances submitted yet.</p>`;
  }
  return html`<table>
    <tr><th>Resource</th><th>Balance</th><th>Credit</th></tr>
    ${submitted.balances.map(
      (balance) => html`<tr>
        <td>${balance.resourceId ?? "installation"}</td>
        <td>${formatCents(balance.currencyValueInCents)} USD</td>
        <td>${balance.credit ?? ""}</td>
      </tr>`,
    )}
  </table>
  <p class="muted">As of ${submitted.timestamp} (§5.14).</p>`;
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

const COLORS = ["#0070f3", "#e5484d", "#30a46c", "#f5a623", "#8e4ec6", "#12a594"];
const WIDTH = 640;
const HEIGHT = 200;
const PAD = 32;

/** One line per (resource, meter): its period value at each submission, on a shared time axis. */
export function usageChart(history: BillingSubmission[]): Html {
  const series = new Map<string, { t: number; v: number }[]>();
  for (const { data } of history) {
    const t = Date.parse(data.timestamp);
    for (const usage of data.usage) {
      const key = `${usage.resourceId ?? "installation"} · ${usage.name} (${usage.units})`;
      series.set(key, [...(series.get(key) ?? []), { t, v: usage.periodValue }]);
    }
  }
  if (series.size === 0) return html`<p class="muted">No billing data submitted yet.</p>`;
  const points = [...series.values()].flat();
  const [minT, maxT] = [Math.min(...points.map((p) => p.t)), Math.max(...points.map((p) => p.t))];
  const maxV = Math.max(1, ...points.map((p) => p.v));
  const x = (t: number) => PAD + ((t - minT) / Math.max(1, maxT - minT)) * (WIDTH - 2 * PAD);
  const y = (v: number) => HEIGHT - PAD - (v / maxV) * (HEIGHT - 2 * PAD);
  const lines = [...series.entries()].map(([label, values], index) => ({
    label,
    color: COLORS[index % COLORS.length],
    path: values.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(" "),
  }));
  return html`<svg role="img" aria-label="Usage over time" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" style="max-width:${WIDTH}px">
      <line x1="${PAD}" y1="${HEIGHT - PAD}" x2="${WIDTH - PAD}" y2="${HEIGHT - PAD}" stroke="#ccc" />
      <line x1="${PAD}" y1="${PAD}" x2="${PAD}" y2="${HEIGHT - PAD}" stroke="#ccc" />
      <text x="${PAD}" y="${PAD - 8}" font-size="11" fill="#777">${maxV.toLocaleString("en-US")}</text>
      <text x="${PAD}" y="${HEIGHT - 10}" font-size="11" fill="#777">${new Date(minT).toISOString().slice(0, 16)}</text>
      <text x="${WIDTH - PAD}" y="${HEIGHT - 10}" font-size="11" fill="#777" text-anchor="end">${new Date(maxT).toISOString().slice(0, 16)}</text>
      ${lines.map((line) => html`<polyline fill="none" stroke="${line.color}" stroke-width="2" points="${line.path}" />`)}
    </svg>
    <ul class="muted">
      ${lines.map((line) => html`<li><span style="color:${line.color}">■</span> ${line.label}</li>`)}
    </ul>`;
}
