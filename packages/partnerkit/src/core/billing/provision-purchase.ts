import type { ProvisionPurchaseResponse } from "../../protocol/billing.ts";
import { toCents } from "../../protocol/money.ts";
import type { VercelInvoice } from "../../protocol/vercel-api.ts";
import type { CreditRow } from "../../store/billing-queries.ts";
import type { InstallationRecord } from "../../store/records.ts";
import { VercelApiError } from "../../vercel/vercel-client.ts";
import { PartnerError } from "../partner-error.ts";
import { resolvePlans } from "../plans.ts";
import type { RequestContext } from "../request-context.ts";
import { prepaidBalances } from "./balances.ts";
import { BillingReads } from "./billing-reads.ts";
import type { BillingDeps } from "./deps.ts";

/**
 * Provision Purchase (spec §4.15): Vercel sold credits and proves it with an invoice. The invoice
 * is read back from Vercel (never trusted from the request), must be paid, and its prepayment
 * items are credited once per invoice — a retry or a concurrent call finds the credit already
 * there — then the balances are answered as they now are.
 */
export async function provisionPurchase(
  deps: BillingDeps,
  request: RequestContext,
  installationId: string,
  invoiceId: string,
): Promise<ProvisionPurchaseResponse> {
  const installation = await deps.installations.require(request, installationId);
  const invoice = await fetchInvoice(deps, installationId, invoiceId, request);
  if (invoice.state !== "paid") {
    throw new PartnerError(
      422,
      "invoice_not_paid",
      `Invoice ${invoiceId} is ${invoice.state}, not paid`,
      {
        userMessage: "The credit purchase has not been paid yet.",
      },
    );
  }
  const credits = await creditsOf(deps, installation, invoice);
  const added = await deps.store.billing.addCredits(installationId, credits);
  request.log.info(
    { installationId, invoiceId, lines: credits.length, added },
    "credits provisioned",
  );
  return {
    timestamp: deps.now().toISOString(),
    balances: await prepaidBalances(new BillingReads(deps.integration, deps.store, installation)),
  };
}

async function fetchInvoice(
  deps: BillingDeps,
  installationId: string,
  invoiceId: string,
  request: RequestContext,
): Promise<VercelInvoice> {
  try {
    return await deps.vercelFor(installationId, request.log, request.calls).getInvoice(invoiceId);
  } catch (error) {
    if (error instanceof VercelApiError && error.status === 404) {
      throw PartnerError.unprocessable(
        `Vercel knows no invoice ${invoiceId} for this installation`,
      );
    }
    throw error;
  }
}

/** One credit per pot (a resource, or the installation) from the invoice's prepayment items. */
async function creditsOf(
  deps: BillingDeps,
  installation: InstallationRecord,
  invoice: VercelInvoice,
): Promise<CreditRow[]> {
  const pots = new Map<string, number>();
  for (const item of invoice.items) {
    if (!(await isPrepaymentPlan(deps, installation, item.billingPlanId, item.resourceId)))
      continue;
    const pot = item.resourceId ?? "";
    pots.set(pot, (pots.get(pot) ?? 0) + toCents(item.total));
  }
  if (pots.size === 0) {
    throw PartnerError.unprocessable(`Invoice ${invoice.invoiceId} buys no prepaid credit`, {
      userMessage: "This invoice is not a credit purchase.",
    });
  }
  return [...pots].map(([pot, cents]) => ({
    invoiceId: invoice.invoiceId,
    ...(pot !== "" && { resourceId: pot }),
    cents,
  }));
}

async function isPrepaymentPlan(
  deps: BillingDeps,
  installation: InstallationRecord,
  planId: string,
  resourceId: string | undefined,
): Promise<boolean> {
  if (resourceId === undefined) {
    const plans = await deps.installations.installationPlans(installation);
    return plans.some((plan) => plan.id === planId && plan.type === "prepayment");
  }
  const resource = await deps.store.getResource(installation.id, resourceId);
  if (!resource) {
    throw PartnerError.unprocessable(
      `Invoice credits resource ${resourceId}, which is not in this installation`,
    );
  }
  const product = deps.integration.product(resource.productId);
  if (!product) return false;
  const plans = await resolvePlans(product.plans, { metadata: resource.metadata, installation });
  return plans.some((plan) => plan.id === planId && plan.type === "prepayment");
}
