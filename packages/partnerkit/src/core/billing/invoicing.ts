import { VercelSubmitInvoiceRequest } from "../../protocol/vercel-api.ts";
import type { InvoiceRecord, NewInvoice } from "../../store/billing-queries.ts";
import type { InstallationRecord } from "../../store/records.ts";
import type { Work } from "../hook-context.ts";
import type { BillingDeps } from "./deps.ts";
import { draftInvoices } from "./invoice-drafts.ts";
import { type BillingPeriod, periodOf, previousPeriod } from "./period.ts";

/**
 * Invoices (spec §5.13) and the money side of an uninstall (§4.4, §5.15). Each invoice is stored
 * before it is sent and sent with its deterministic `externalId`, so neither a retried job nor a
 * crash between Vercel's answer and ours can make a second one.
 */
export class Invoicing {
  constructor(private readonly deps: BillingDeps) {}

  /** Submits the installation's invoices for a period that has ended (or, with `final`, is ending). */
  async invoicePeriod(
    installationId: string,
    period: BillingPeriod,
    work: Work,
    final = false,
  ): Promise<InvoiceRecord[]> {
    const installation = await this.deps.store.getInstallation(installationId);
    // Made after the period ended, it owned nothing then: no need to read its resources to know.
    if (!installation || installation.createdAt >= period.end) return [];
    const drafts = await this.drafts(installation, period, final);
    const submitted: InvoiceRecord[] = [];
    for (const draft of drafts) submitted.push(await this.submit(draft, work));
    return submitted;
  }

  /**
   * Whether an uninstall leaves money owed: an invoice for the last or the current period that
   * has not reached Vercel yet. With nothing owed, DELETE may answer `finalized: true`.
   */
  async owes(installation: InstallationRecord): Promise<boolean> {
    for (const period of this.closingPeriods()) {
      for (const draft of await this.drafts(installation, period, true)) {
        const stored = await this.deps.store.billing.invoice(installation.id, draft.externalId);
        if (!stored?.vercelInvoiceId) return true;
      }
    }
    return false;
  }

  /**
   * After an uninstall: the last invoices, marked `final` (on every invoice sent while the
   * installation is pending deletion; the spec says it marks "the last invoice", UNCONFIRMED for
   * several resources), then Finalize Installation.
   */
  async finalize(installationId: string, work: Work): Promise<void> {
    for (const period of this.closingPeriods()) {
      await this.invoicePeriod(installationId, period, work, true);
    }
    await this.deps.vercelFor(installationId, work.log, work.calls).finalizeInstallation();
    work.log.info({ installationId }, "installation finalized");
  }

  /** The period just ended and the current one: an uninstall settles both. */
  private closingPeriods(): BillingPeriod[] {
    const current = periodOf(this.deps.now());
    return [previousPeriod(current), current];
  }

  private drafts(installation: InstallationRecord, period: BillingPeriod, final: boolean) {
    return draftInvoices(this.deps.integration, this.deps.store, installation, period, {
      at: this.deps.now(),
      final,
      test: this.deps.invoiceTest,
    });
  }

  private async submit(draft: NewInvoice, { log, calls }: Work): Promise<InvoiceRecord> {
    const { store } = this.deps;
    // The first version stored wins: a retry resends exactly what was built the first time.
    const stored = await store.billing.insertInvoice(draft);
    if (stored.vercelInvoiceId) return stored;
    const request = VercelSubmitInvoiceRequest.parse(stored.request);
    const answer = await this.deps
      .vercelFor(stored.installationId, log, calls)
      .submitInvoice(request);
    if (!answer.invoiceId) {
      throw new Error(
        `Vercel refused invoice ${stored.externalId}: ${(answer.validationErrors ?? []).join("; ")}`,
      );
    }
    // A test invoice is born in the state it asked for (spec §10 test mode).
    const state = request.test?.result ?? "invoiced";
    await store.billing.markInvoiceSubmitted(stored, answer.invoiceId, state);
    log.info(
      {
        installationId: stored.installationId,
        externalId: stored.externalId,
        invoiceId: answer.invoiceId,
      },
      "invoice submitted",
    );
    return { ...stored, vercelInvoiceId: answer.invoiceId, state };
  }
}
