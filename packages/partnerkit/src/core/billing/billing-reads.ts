import type {
  BillingHistory,
  CreditRow,
  PlanChange,
  PlanSubject,
} from "../../store/billing-queries.ts";
import type { InstallationRecord, ResourceRecord } from "../../store/records.ts";
import type { Store } from "../../store/store.ts";
import type { Integration } from "../define-integration.ts";
import { type Billable, billableResources } from "./billable.ts";
import { type BillingPeriod, dayOf, lastDayOf } from "./period.ts";

/**
 * What the billing computations of one installation read, each read at most once however many of
 * them ask: a billing report's levels, billing data and balances all need the installation's
 * resources, their current plans and their plan changes.
 */
export class BillingReads {
  private resourceList: Promise<ResourceRecord[]> | undefined;
  private billableList: Promise<Billable[]> | undefined;
  private creditList: Promise<CreditRow[]> | undefined;
  private periodHistory: { start: string; history: Promise<PeriodHistory> } | undefined;
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

  /**
   * The history billing `period` needs (owners, plans, credits, the period's usage), read at
   * once; its plans and credits then answer `planChanges` and `credits` too.
   */
  history(period: BillingPeriod): Promise<PeriodHistory> {
    if (this.periodHistory?.start !== period.start) {
      const range = { fromDay: dayOf(period.start), toDay: lastDayOf(period) };
      const history = this.store.billing.history(this.installation.id, range).then((read) => {
        for (const [id, changes] of read.resourcePlans)
          this.planHistory.set(`resource:${id}`, changes);
        this.planHistory.set(`installation:${this.installation.id}`, read.installationPlans);
        this.creditList ??= Promise.resolve(read.credits);
        return { owners: read.owners, usage: read.usage };
      });
      this.periodHistory = { start: period.start, history };
    }
    return this.periodHistory.history;
  }

  /** The installation's prepaid credits. */
  credits(): Promise<CreditRow[]> {
    this.creditList ??= this.store.billing.credits(this.installation.id);
    return this.creditList;
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

/** Of `BillingHistory`, what is not kept apart for `planChanges` and `credits`. */
export type PeriodHistory = Pick<BillingHistory, "owners" | "usage">;
