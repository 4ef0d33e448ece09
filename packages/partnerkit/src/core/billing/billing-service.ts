import type { Logger } from "pino";
import { z } from "zod";
import type { JobHandler } from "../../jobs/job-runner.ts";
import { lazyChild } from "../../lazy-child.ts";
import type { Balance, ProvisionPurchaseResponse } from "../../protocol/billing.ts";
import type { VercelInvoice } from "../../protocol/vercel-api.ts";
import type { InvoicePayload, InvoiceRefundedPayload } from "../../protocol/webhooks.ts";
import type { InvoiceRecord } from "../../store/billing-queries.ts";
import type { InstallationRecord } from "../../store/records.ts";
import type { HookContext, Product } from "../define-integration.ts";
import type { HookOrigin, Work } from "../hook-context.ts";
import type { RequestContext } from "../request-context.ts";
import { prepaidBalances } from "./balances.ts";
import type { Billable } from "./billable.ts";
import { billingData } from "./billing-data.ts";
import { BillingReads } from "./billing-reads.ts";
import type { BillingDeps } from "./deps.ts";
import { applyInvoiceEvent } from "./invoice-events.ts";
import { Invoicing } from "./invoicing.ts";
import type { Metering, ResourceLevel } from "./metering.ts";
import { periodOf, previousPeriod } from "./period.ts";
import { provisionPurchase } from "./provision-purchase.ts";
import { type RefundRequest, refundInvoice } from "./refund.ts";

export const BILLING_JOBS = {
  report: "billing-report",
  invoice: "billing-invoice",
  finalize: "billing-finalize",
} as const;

/** Installations whose billing jobs one insert queues (two rows each). */
const SCHEDULE_BATCH = 500;

/** Up to this many installations, a schedule's jobs are all due at once: a pass takes seconds. */
const SPREAD_FROM_INSTALLATIONS = 1_000;
/**
 * Beyond it, the jobs come due evenly over this share of the interval: the lowest steady rate
 * that still ends the pass before the next one starts, with room for retries.
 */
const SPREAD_SHARE = 0.8;

/**
 * How long after a schedule its last installation's jobs come due. Due all at once, a pass over
 * 100,000 installations kept both cores of a small machine busy and slowed every request for as
 * long as it lasted; spread, the same work runs as a steady trickle beside the traffic (100,000
 * installations reporting hourly: about 35 reports a second), and each installation still
 * reports once per interval, at the same moment of it.
 */
export function spreadWindowMs(installations: number, intervalMs: number): number {
  return installations <= SPREAD_FROM_INSTALLATIONS ? 0 : intervalMs * SPREAD_SHARE;
}

const ReportJob = z.object({ installationId: z.string(), at: z.iso.datetime() });
const InvoiceJob = z.object({ installationId: z.string(), periodStart: z.iso.datetime() });
const FinalizeJob = z.object({ installationId: z.string() });

/**
 * The money side of an integration: metering, the periodic billing data and balances (spec §5.12,
 * §5.14), invoices at period end (§5.13), credit purchases (§4.15), invoice events (§6.4) and the
 * final invoices of an uninstall (§4.4, §5.15). Work that calls Vercel runs as durable jobs.
 */
export class BillingService {
  readonly invoicing: Invoicing;

  constructor(
    private readonly deps: BillingDeps,
    private readonly metering: Metering,
  ) {
    this.invoicing = new Invoicing(deps);
  }

  /** Records usage from outside a hook, e.g. a data plane serving a request for `resourceId`. */
  meter = (resourceId: string, meter: string, value: number): Promise<void> =>
    this.metering.record(resourceId, meter, value);

  /** Records usage of an installation itself (installation-level billing) from outside a hook. */
  meterInstallation = (installationId: string, meter: string, value: number): Promise<void> =>
    this.metering.recordInstallation(installationId, meter, value);

  /**
   * Enqueues one billing-data/balances job per live installation for the interval `at` falls in,
   * and the invoices of the period before it for those that existed then and are not invoiced for
   * it yet; the dedupe keys make a second call for the same interval (another process, a restart)
   * add nothing. A large provider's jobs are spread over part of the interval (see
   * `spreadWindowMs`) instead of all coming due at once.
   */
  async schedule(intervalSeconds: number): Promise<number> {
    const at = this.deps.now();
    const slotMs = Math.max(1, intervalSeconds) * 1000;
    const slot = new Date(Math.floor(at.getTime() / slotMs) * slotMs).toISOString();
    const previous = previousPeriod(periodOf(at));
    const installations = await this.deps.store.billing.installationsToBill(previous);
    const windowMs = spreadWindowMs(installations.length, slotMs);
    const queuedAt = Date.now();
    let enqueued = 0;
    // Batches of multi-row inserts: one insert per job made a large provider's schedule (two
    // jobs per installation) a long stream of round trips at every start and every interval.
    for (let from = 0; from < installations.length; from += SCHEDULE_BATCH) {
      const batch = installations.slice(from, from + SCHEDULE_BATCH);
      const jobs = batch.flatMap(({ id: installationId, invoiceDue }, index) => {
        const offsetMs = Math.floor(((from + index) * windowMs) / installations.length);
        const runAt = offsetMs > 0 ? new Date(queuedAt + offsetMs) : undefined;
        const report = {
          kind: BILLING_JOBS.report,
          payload: { installationId, at: new Date(at.getTime() + offsetMs).toISOString() },
          dedupeKey: `${BILLING_JOBS.report}:${installationId}:${slot}`,
          runAt,
        };
        const invoice = {
          kind: BILLING_JOBS.invoice,
          payload: { installationId, periodStart: previous.start },
          dedupeKey: `${BILLING_JOBS.invoice}:${installationId}:${previous.start}`,
          runAt,
        };
        return invoiceDue ? [report, invoice] : [report];
      });
      const queued = await this.deps.store.enqueueJobs(jobs);
      enqueued += queued.filter((job) => job !== undefined).length;
    }
    return enqueued;
  }

  /**
   * Reads `total` meter levels through the products' (and the integration's own) `usage` hooks,
   * then submits data and balances.
   */
  async report(installationId: string, at: Date, work: Work): Promise<void> {
    const { integration, store } = this.deps;
    const { log } = work;
    const { installation, resources } = await store.getInstallationWithResources(installationId);
    if (!installation || installation.deletedAt) return;
    // The levels, the billing data and the balances of this report share what they read.
    const reads = new BillingReads(integration, store, installation, resources);
    await this.readLevels(reads, { requestId: `billing:${at.toISOString()}`, ...work });
    const vercel = this.deps.vercelFor(installationId, log, work.calls);
    const data = await billingData(reads, at);
    if (data) await vercel.submitBillingData(data);
    const balances = await prepaidBalances(reads);
    if (balances.length > 0) await vercel.submitBalances({ timestamp: at.toISOString(), balances });
    log.info({ billingData: Boolean(data), balances: balances.length }, "billing reported");
  }

  provisionPurchase(
    request: RequestContext,
    installationId: string,
    invoiceId: string,
  ): Promise<ProvisionPurchaseResponse> {
    return provisionPurchase(this.deps, request, installationId, invoiceId);
  }

  async balances(installationId: string): Promise<Balance[]> {
    const { integration, store } = this.deps;
    const installation = await store.getInstallation(installationId);
    return installation ? prepaidBalances(new BillingReads(integration, store, installation)) : [];
  }

  invoices(installationId: string): Promise<InvoiceRecord[]> {
    return this.deps.store.billing.invoices(installationId);
  }

  /** Refunds (part of) one of the installation's invoices; see `refundInvoice`. */
  refund(
    installationId: string,
    invoiceId: string,
    request: RefundRequest,
    log: Logger,
  ): Promise<VercelInvoice> {
    const vercel = this.deps.vercelFor(installationId, log);
    return refundInvoice(this.deps.store, vercel, invoiceId, request, log);
  }

  applyInvoiceEvent(
    type: string,
    payload: InvoicePayload | InvoiceRefundedPayload,
    work: Work,
  ): Promise<void> {
    return applyInvoiceEvent(this.deps, type, payload, work);
  }

  /**
   * The billing part of an uninstall: true ("finalized") when nothing is owed; otherwise the final
   * invoices and Finalize Installation are left to a job, which runs after Vercel has our answer
   * (Vercel accepts `final` invoices only once the installation is pending deletion).
   */
  async settleUninstall(installation: InstallationRecord): Promise<boolean> {
    if (!(await this.invoicing.owes(installation))) return true;
    await this.deps.store.enqueueJob({
      kind: BILLING_JOBS.finalize,
      payload: { installationId: installation.id },
      dedupeKey: `${BILLING_JOBS.finalize}:${installation.id}`,
    });
    return false;
  }

  jobHandlers(log: Logger): Record<string, JobHandler> {
    // A stopped job also stops the calls to Vercel it is waiting on.
    const work = (installationId: string, signal: AbortSignal): Work => ({
      log: lazyChild(log, { installationId }),
      calls: { signal },
    });
    return {
      [BILLING_JOBS.report]: (job, signal) => {
        const { installationId, at } = ReportJob.parse(job.payload);
        return this.report(installationId, new Date(at), work(installationId, signal));
      },
      [BILLING_JOBS.invoice]: async (job, signal) => {
        const { installationId, periodStart } = InvoiceJob.parse(job.payload);
        const period = periodOf(new Date(periodStart));
        await this.invoicing.invoicePeriod(installationId, period, work(installationId, signal));
        await this.deps.store.billing.markInvoiced(installationId, period.start);
      },
      [BILLING_JOBS.finalize]: (job, signal) => {
        const { installationId } = FinalizeJob.parse(job.payload);
        return this.invoicing.finalize(installationId, work(installationId, signal));
      },
    };
  }

  private async readLevels(reads: BillingReads, origin: HookOrigin): Promise<void> {
    const { integration, installation } = reads;
    const ctx = this.deps.contexts.create(origin, installation);
    for (const level of (await integration.usage?.(ctx)) ?? []) {
      await this.metering.recordInstallation(installation.id, level.meter, level.value);
    }
    const billables = await reads.billables();
    const levels: ResourceLevel[] = [];
    for (const product of new Set(billables.map((billable) => billable.product))) {
      const own = billables.filter((billable) => billable.product === product);
      levels.push(...(await levelsOf(ctx, product, own)));
    }
    await this.metering.recordLevels(levels);
  }
}

/** Levels of a product's resources: through `usageOf` at once when it has one, else `usage` each. */
async function levelsOf(
  ctx: HookContext,
  product: Product,
  billables: Billable[],
): Promise<ResourceLevel[]> {
  const resources = billables.map((billable) => billable.resource);
  if (product.usageOf) {
    const ids = new Set(resources.map((resource) => resource.id));
    const levels = await product.usageOf(ctx, resources);
    // Only the resources it was asked about: a level for another one is not this report's.
    return levels
      .filter((level) => ids.has(level.resourceId))
      .map((level) => ({ ...level, productId: product.id }));
  }
  const levels: ResourceLevel[] = [];
  for (const resource of resources) {
    for (const { meter, value } of (await product.usage?.(ctx, resource)) ?? []) {
      levels.push({ resourceId: resource.id, productId: product.id, meter, value });
    }
  }
  return levels;
}
