import type { DayRange, OwnerChange, PlanChange, UsageRow } from "../../store/billing-queries.ts";
import type { InstallationRecord, ResourceRecord } from "../../store/records.ts";
import type { Integration, MeterDefinition, Product } from "../define-integration.ts";
import { pricedInstallationPlans, resolvePricedPlans } from "../plans.ts";
import type { BillingReads } from "./billing-reads.ts";
import { clipped, ownedIntervals } from "./ownership.ts";
import type { BillingPeriod } from "./period.ts";
import { type Interval, type PlanSpan, planSpans, spanHasDay } from "./plan-spans.ts";
import type { PricedPlan } from "./pricing.ts";

/** A live resource with its current plan; `plan` is undefined when its product no longer offers it. */
export interface Billable {
  resource: ResourceRecord;
  product: Product;
  plan: PricedPlan | undefined;
}

/** Of the installation's `resources`, the live ones on their current plans. */
export async function billableResources(
  integration: Integration,
  installation: InstallationRecord,
  resources: ResourceRecord[],
): Promise<Billable[]> {
  const billables: Billable[] = [];
  for (const resource of resources) {
    const product = integration.product(resource.productId);
    if (!product || resource.deletedAt) continue;
    const plans = await resolvePricedPlans(product.plans, {
      metadata: resource.metadata,
      installation,
    });
    billables.push({
      resource,
      product,
      plan: plans.find((candidate) => candidate.id === resource.billingPlanId),
    });
  }
  return billables;
}

/** A span of a period with the plan it names; undefined when that plan is no longer offered. */
export interface PricedSpan extends PlanSpan {
  plan: PricedPlan | undefined;
}

/** What is billed in a period: a resource, or the installation itself (spec §10). */
export interface BilledSubject {
  /** Undefined for the installation: its lines carry no `resourceId`. */
  resourceId?: string;
  meters: Record<string, MeterDefinition>;
  /** The parts of the period the installation owned it (a transfer splits a resource's). */
  owned: Interval[];
  /** The plans it was on while the installation owned it, in time order. */
  spans: PricedSpan[];
}

/**
 * The resources the installation owned during `period` (deleted ones included: their usage up to
 * deletion is still owed; transferred ones for the part before or after the transfer) with the
 * plans they were on meanwhile, and with installation-level billing the installation on its own
 * plans first. A resource's span on an installation-scoped plan is then left to the
 * installation's invoice, so it is not billed twice.
 */
export async function billedSubjects(
  reads: BillingReads,
  period: BillingPeriod,
): Promise<BilledSubject[]> {
  const { integration, installation } = reads;
  // Read first: its plans answer the plan changes below.
  const { owners } = await reads.history(period);
  const subjects: BilledSubject[] = [];
  const byInstallation = integration.billing === "installation";
  if (byInstallation && installation.createdAt < period.end) {
    const history = await reads.planChanges("installation", [installation.id]);
    const plans = await pricedInstallationPlans(integration, installation);
    subjects.push({
      meters: integration.meters ?? {},
      owned: [period],
      spans: withPlans(planSpans(history.get(installation.id) ?? [], period), plans),
    });
  }
  const owned = (await ownedResources(reads, owners, period)).filter(
    ({ resource }) =>
      resource.createdAt < period.end &&
      (!resource.deletedAt || resource.deletedAt >= period.start),
  );
  const history = await reads.planChanges(
    "resource",
    owned.map(({ resource }) => resource.id),
  );
  for (const { resource, intervals } of owned) {
    const product = integration.product(resource.productId);
    if (!product) continue;
    const spans = clipped(
      await resourceSpans(product, resource, installation, history, period),
      intervals,
    );
    subjects.push({
      resourceId: resource.id,
      meters: product.meters ?? {},
      owned: intervals,
      spans: byInstallation ? spans.filter(({ plan }) => plan?.scope !== "installation") : spans,
    });
  }
  return subjects;
}

/**
 * The resources the installation owned for some of `period`, with when: its own first, then
 * those it transferred away, each read from the installation that has it now.
 */
async function ownedResources(
  reads: BillingReads,
  histories: Map<string, OwnerChange[]>,
  period: BillingPeriod,
) {
  const { store } = reads;
  const installationId = reads.installation.id;
  const intervalsOf = (resourceId: string) =>
    ownedIntervals(histories.get(resourceId) ?? [], installationId, period);
  const current = await reads.resources();
  const former: ResourceRecord[] = [];
  for (const [resourceId, owners] of histories) {
    const owner = owners.at(-1)?.installationId;
    if (!owner || owner === installationId || intervalsOf(resourceId).length === 0) continue;
    const resource = await store.getResource(owner, resourceId);
    if (resource) former.push(resource);
  }
  return [...current, ...former]
    .map((resource) => ({ resource, intervals: intervalsOf(resource.id) }))
    .filter(({ intervals }) => intervals.length > 0);
}

/** The daily usage rows of the subjects of `period`, from `fromDay` up to and including `toDay`. */
export async function subjectUsage(
  reads: BillingReads,
  period: BillingPeriod,
  subjects: BilledSubject[],
  range: DayRange,
): Promise<UsageRow[]> {
  const owned = new Map(subjects.map((subject) => [subject.resourceId, subject.owned]));
  const { usage } = await reads.history(period);
  return usage.filter(
    (row) =>
      row.day >= range.fromDay &&
      row.day <= range.toDay &&
      (row.resourceId === undefined
        ? owned.has(undefined)
        : // A day of a transferred resource's usage goes to the installation that has it at its end.
          owned.get(row.resourceId)?.some((interval) => spanHasDay(interval, row.day))),
  );
}

/** The plans a resource was on during `period`, from its plan changes in `history`. */
export async function resourceSpans(
  product: Product,
  resource: ResourceRecord,
  installation: InstallationRecord,
  history: Map<string, PlanChange[]>,
  period: BillingPeriod,
): Promise<PricedSpan[]> {
  const plans = await resolvePricedPlans(product.plans, {
    metadata: resource.metadata,
    installation,
  });
  return withPlans(planSpans(history.get(resource.id) ?? [], period), plans);
}

function withPlans(spans: PlanSpan[], plans: PricedPlan[]): PricedSpan[] {
  return spans.map((span) => ({
    ...span,
    plan: plans.find((candidate) => candidate.id === span.billingPlanId),
  }));
}
