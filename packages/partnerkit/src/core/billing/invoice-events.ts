import { formatCents } from "../../protocol/money.ts";
import type { VercelInvoiceState } from "../../protocol/vercel-api.ts";
import type { InvoicePayload, InvoiceRefundedPayload } from "../../protocol/webhooks.ts";
import type { Work } from "../hook-context.ts";
import type { BillingDeps } from "./deps.ts";

/** The state each invoice event announces, used when Get Invoice cannot be asked (finalized). */
export const INVOICE_EVENT_STATES: Record<string, VercelInvoiceState> = {
  "marketplace.invoice.created": "invoiced",
  "marketplace.invoice.paid": "paid",
  "marketplace.invoice.notpaid": "notpaid",
  "marketplace.invoice.overdue": "overdue",
  "marketplace.invoice.refunded": "refunded",
};

/**
 * Applies a `marketplace.invoice.*` event (spec §6.4) to one of our invoices: re-reads its state
 * with Get Invoice (events may arrive out of order, §6.3), stores it, and when it changed tells the
 * product's `onInvoice` hook, whose status/notification answer is stored and announced to Vercel.
 * Invoices that are not ours (credit purchases, which Vercel issues) are left alone.
 */
export async function applyInvoiceEvent(
  deps: BillingDeps,
  type: string,
  payload: InvoicePayload | InvoiceRefundedPayload,
  work: Work,
): Promise<void> {
  const { store } = deps;
  const { log, calls } = work;
  const invoice =
    (await store.billing.invoiceByVercelId(payload.invoiceId)) ??
    (payload.externalInvoiceId
      ? await store.billing.invoice(payload.installationId, payload.externalInvoiceId)
      : undefined);
  const installation = await store.getInstallation(payload.installationId);
  if (!invoice || !installation || invoice.installationId !== installation.id) return;
  if (!invoice.vercelInvoiceId) {
    // The event overtook Submit Invoice's answer.
    await store.billing.markInvoiceSubmitted(invoice, payload.invoiceId, invoice.state);
  }
  const live = !installation.deletedAt;
  const vercel = deps.vercelFor(installation.id, log, calls);
  const current = live ? await vercel.getInvoice(payload.invoiceId) : undefined;
  const state = current?.state ?? INVOICE_EVENT_STATES[type];
  if (!state || !(await store.billing.setInvoiceState(invoice, state))) return;
  log.info({ invoiceId: payload.invoiceId, state }, "invoice state changed");

  const ctx = deps.contexts.create({ requestId: payload.invoiceId, ...work }, installation);
  const change = {
    invoiceId: payload.invoiceId,
    state,
    total: current?.total ?? formatCents(invoice.totalCents),
    event: type,
  };
  if (invoice.resourceId === undefined) {
    await deps.integration.onInvoice?.(ctx, change);
    return;
  }
  const resource = await store.getResource(installation.id, invoice.resourceId);
  const product = resource && deps.integration.product(resource.productId);
  if (!resource || !product?.onInvoice) return;
  const result = await product.onInvoice(ctx, resource, change);
  if (!result || (result.status === undefined && result.notification === undefined)) return;
  await store.updateResource(resource.id, {
    status: result.status,
    notification: result.notification,
  });
  if (live && !resource.deletedAt) await vercel.resourceUpdated(resource.id);
}
