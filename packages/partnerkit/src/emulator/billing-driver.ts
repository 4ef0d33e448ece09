import { CLOSE_PERIOD_PATH } from "../core/billing/billing-clock.ts";
import type { Balance } from "../protocol/billing.ts";
import { ProvisionPurchaseResponse } from "../protocol/billing.ts";
import type { VercelBillingItem, VercelInvoice } from "../protocol/vercel-api.ts";
import type { PartnerAnswer, PartnerClient } from "./partner-client.ts";
import type { VercelApiState } from "./vercel-api/store.ts";
import type { DeliveryOptions, DeliveryResult, WebhookSender } from "./webhook-sender.ts";

/** The invoice states Vercel announces with a `marketplace.invoice.<state>` webhook (spec §6.4). */
export const ANNOUNCED_INVOICE_STATES = ["paid", "notpaid", "overdue", "refunded"] as const;
export type AnnouncedInvoiceState = (typeof ANNOUNCED_INVOICE_STATES)[number];

export interface CreditPurchase {
  installationId: string;
  billingPlanId: string;
  /** Decimal USD, e.g. "25.00". */
  amount: string;
  /** Omitted for installation-level credit. */
  resourceId?: string;
  /** How Vercel calls Provision Purchase: `user` for a purchase, `system` for an automatic top-up. */
  auth?: "user" | "system";
}

/**
 * Vercel's billing side, as a scenario or the console drives it: moving an invoice along its state
 * machine with the matching signed webhook, and selling prepaid credits (a paid invoice Vercel
 * issues itself, then Provision Purchase, spec §4.15).
 */
export class BillingDriver {
  constructor(
    private readonly store: VercelApiState,
    private readonly webhooks: WebhookSender,
    private readonly partner: PartnerClient,
  ) {}

  async moveInvoice(
    invoiceId: string,
    state: AnnouncedInvoiceState,
    delivery?: DeliveryOptions,
  ): Promise<{ invoice: VercelInvoice; delivery: DeliveryResult }> {
    const stored = this.store.invoices.get(invoiceId);
    if (!stored) throw new Error(`No invoice ${invoiceId}`);
    const invoice =
      state === "refunded" && !stored.invoice.refundTotal
        ? this.store.refund(stored, "Refunded by Vercel", stored.invoice.total)
        : this.store.setInvoiceState(invoiceId, state);
    const envelope = this.webhooks.envelope(
      `marketplace.invoice.${state}`,
      invoicePayload(stored.installationId, invoice),
    );
    return { invoice, delivery: await this.webhooks.deliver(envelope, delivery) };
  }

  /**
   * Asks a partner served by `partnerkit dev` to close its current billing period now: it moves
   * its billing clock to the next period and submits the invoices of the closed one. Other
   * servers answer 404: they close periods on their own schedule only.
   */
  closePeriod(installationId: string): Promise<PartnerAnswer> {
    return this.partner.send({
      method: "POST",
      path: CLOSE_PERIOD_PATH,
      auth: "system",
      installationId,
    });
  }

  /** A paid credit invoice, then Provision Purchase with its id; the partner's answer and balances. */
  async buyCredits(purchase: CreditPurchase): Promise<{
    invoice: VercelInvoice;
    answer: PartnerAnswer;
    balances?: Balance[];
  }> {
    const item: VercelBillingItem = {
      billingPlanId: purchase.billingPlanId,
      ...(purchase.resourceId && { resourceId: purchase.resourceId }),
      name: "Prepaid credit",
      price: purchase.amount,
      quantity: 1,
      units: "credit",
      total: purchase.amount,
    };
    const invoice = this.store.issueInvoice(purchase.installationId, [item], "paid");
    const answer = await this.partner.provisionPurchase(
      purchase.installationId,
      invoice.invoiceId,
      purchase.auth,
    );
    const parsed = ProvisionPurchaseResponse.safeParse(answer.body);
    return { invoice, answer, ...(parsed.success && { balances: parsed.data.balances }) };
  }
}

/** The payload of `marketplace.invoice.*` (spec §6.4). */
function invoicePayload(installationId: string, invoice: VercelInvoice): Record<string, unknown> {
  const common = {
    configuration: { id: installationId },
    installationId,
    invoiceId: invoice.invoiceId,
    externalInvoiceId: invoice.externalId ?? null,
    period: invoice.period,
  };
  if (invoice.state === "refunded") {
    return {
      ...common,
      amount: invoice.refundTotal ?? invoice.total,
      reason: invoice.refundReason ?? "",
    };
  }
  return { ...common, invoiceDate: invoice.invoiceDate, invoiceTotal: invoice.total };
}
