import type { PlanChange, PlanSubject } from "../../store/billing-queries.ts";
import type { InstallationRecord, ResourceRecord } from "../../store/records.ts";
import type { Store } from "../../store/store.ts";
import type { Integration } from "../define-integration.ts";
import { type Billable, billableResources } from "./billable.ts";

/**
 * What the billing computations of one installation read, each read at most once however many of
 * them ask: a billing report's levels, billing data and balances all need the installation's
 * resources, their current plans and their plan changes.
 */
export class BillingReads {
  private resourceList: Promise<ResourceRecord[]> | undefined;
  private billableList: Promise<Billable[]> | undefined;
  private readonly planHistory = new Map<string, PlanChange[]>();

  /** `resources`: the installation's resources, when the caller has read them already. */
  constructor(
    readonly integration: Integration,
    readonly store: Store,
    readonly installation: InstallationRecord,
    resources?: ResourceRecord[],
  ) {
    if (resources) this.resourceList = Promise.resolve(resources);
  }

  /** The installation's resources, deleted ones included. */
  resources(): Promise<ResourceRecord[]> {
    this.resourceList ??= this.store.listResources(this.installation.id);
    return this.resourceList;
  }

  /** Its live resources on their current plans (see `billableResources`). */
  billables(): Promise<Billable[]> {
    this.billableList ??= this.resources().then((resources) =>
      billableResources(this.integration, this.installation, resources),
    );
    return this.billableList;
  }

  /** The plan changes of each subject, oldest first; only subjects not read before are read. */
  async planChanges(subject: PlanSubject, ids: string[]): Promise<Map<string, PlanChange[]>> {
    const key = (id: string) => `${subject}:${id}`;
    const unread = ids.filter((id) => !this.planHistory.has(key(id)));
    if (unread.length > 0) {
      const read = await this.store.billing.planChanges(subject, unread);
      for (const id of unread) this.planHistory.set(key(id), read.get(id) ?? []);
    }
    return new Map(ids.map((id) => [id, this.planHistory.get(key(id)) ?? []]));
  }
}
