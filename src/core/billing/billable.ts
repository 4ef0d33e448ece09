import type { PlanChange, UsageRow } from "../../store/billing-queries.ts";
import type { InstallationRecord, ResourceRecord } from "../../store/records.ts";
import type { Store } from "../../store/store.ts";
import type { Integration, MeterDefinition, Product } from "../define-integration.ts";
import { pricedInstallationPlans, resolvePricedPlans } from "../plans.ts";
import type { BillingPeriod } from "./period.ts";
import { type PlanSpan, planSpans } from "./plan-spans.ts";
import type { PricedPlan } from "./pricing.ts";

/** A live resource with its current plan; `plan` is undefined when its product no longer offers it. */
export interface Billable {
  resource: ResourceRecord;
  product: Product;
  plan: PricedPlan | undefined;
}

/** The installation's live resources on their current plans. */
export async function billableResources(
  integration: Integration,
  store: Store,
  installation: InstallationRecord,
): Promise<Billable[]> {
  const billables: Billable[] = [];
  for (const resource of await store.listResources(installation.id)) {
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
  /** The plans it was on during the period, in time order. */
  spans: PricedSpan[];
}

/**
 * The resources that lived during `period` (deleted ones included: their usage up to deletion is
 * still owed) with the plans they were on, and with installation-level billing the installation
 * on its own plans first. A resource's span on an installation-scoped plan is then left to the
 * installation's invoice, so it is not billed twice.
 */
export async function billedSubjects(
  integration: Integration,
  store: Store,
  installation: InstallationRecord,
  period: BillingPeriod,
): Promise<BilledSubject[]> {
  const subjects: BilledSubject[] = [];
  const byInstallation = integration.billing === "installation";
  if (byInstallation && installation.createdAt < period.end) {
    const history = await store.billing.planChanges("installation", [installation.id]);
    const plans = await pricedInstallationPlans(integration, installation);
    subjects.push({
      meters: integration.meters ?? {},
      spans: withPlans(planSpans(history.get(installation.id) ?? [], period), plans),
    });
  }
  const resources = (await store.listResources(installation.id)).filter(
    (resource) =>
      resource.createdAt < period.end &&
      (!resource.deletedAt || resource.deletedAt >= period.start),
  );
  const history = await store.billing.planChanges(
    "resource",
    resources.map((resource) => resource.id),
  );
  for (const resource of resources) {
    const product = integration.product(resource.productId);
    if (!product) continue;
    const spans = await resourceSpans(product, resource, installation, history, period);
    subjects.push({
      resourceId: resource.id,
      meters: product.meters ?? {},
      spans: byInstallation ? spans.filter(({ plan }) => plan?.scope !== "installation") : spans,
    });
  }
  return subjects;
}

/** The daily usage rows of the subjects, from `fromDay` up to and including `toDay`. */
export async function subjectUsage(
  store: Store,
  installationId: string,
  subjects: BilledSubject[],
  range: { fromDay: string; toDay: string },
): Promise<UsageRow[]> {
  const resourceIds = subjects.flatMap(({ resourceId }) => (resourceId ? [resourceId] : []));
  const rows = await store.billing.usage(resourceIds, range);
  if (subjects.some(({ resourceId }) => resourceId === undefined)) {
    rows.push(...(await store.billing.installationUsage(installationId, range)));
  }
  return rows;
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
