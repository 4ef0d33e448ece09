import type { Logger } from "pino";
import type { VercelInvoice } from "../../protocol/vercel-api.ts";
import type { Store } from "../../store/store.ts";
import type { VercelClient } from "../../vercel/vercel-client.ts";
import { PartnerError } from "../partner-error.ts";

export interface RefundRequest {
  reason: string;
  /** Decimal USD up to the invoice's total; the whole invoice when omitted. */
  total?: string;
}

/**
 * Refunds (part of) an invoice through Vercel (spec §5.13 Invoice Actions) and records the state
 * Vercel then reports. An invoice already refunded or waiting for one is a 409, as at Vercel.
 */
export async function refundInvoice(
  store: Store,
  vercel: VercelClient,
  invoiceId: string,
  request: RefundRequest,
  log: Logger,
): Promise<VercelInvoice> {
  const invoice = await vercel.getInvoice(invoiceId);
  if (invoice.state === "refund_requested" || invoice.state === "refunded") {
    throw PartnerError.conflict(`Invoice ${invoiceId} is already ${invoice.state}`);
  }
  const total = request.total ?? invoice.total;
  await vercel.refundInvoice(invoiceId, { reason: request.reason, total });
  const refunded = await vercel.getInvoice(invoiceId);
  const stored = await store.billing.invoiceByVercelId(invoiceId);
  if (stored) await store.billing.setInvoiceState(stored, refunded.state);
  log.info({ installationId: vercel.installationId, invoiceId, total }, "invoice refunded");
  return refunded;
}
