import { type Kysely, type Selectable, sql } from "kysely";
import type { Engine } from "./database.ts";
import type { BillingInvoicesTable, Tables } from "./tables.ts";

export interface UsageRow {
  /** Undefined for the installation's own meters (spec §5.12: installation-level usage). */
  resourceId?: string;
  meter: string;
  day: string;
  value: number;
}

export type DayCounter = Omit<UsageRow, "resourceId">;

/** A day counter of one resource's meter. */
export type ResourceCounter = DayCounter & { resourceId: string };

export type PlanSubject = "resource" | "installation";

/** From `at` on, the subject was on `billingPlanId` (null: an installation without a plan). */
export interface PlanChange {
  billingPlanId: string | null;
  at: string;
}

/** From `since` on, the resource belonged to `installationId`. */
export interface OwnerChange {
  installationId: string;
  since: string;
}

export interface InvoiceRecord {
  externalId: string;
  installationId: string;
  /** Undefined for an installation-level invoice. */
  resourceId?: string;
  billingPlanId: string;
  periodStart: string;
  periodEnd: string;
  request: unknown;
  totalCents: number;
  vercelInvoiceId: string | null;
  state: string;
  createdAt: string;
  updatedAt: string;
}

/** What identifies a stored invoice. */
export type InvoiceKey = Pick<InvoiceRecord, "installationId" | "externalId">;

export type NewInvoice = Omit<
  InvoiceRecord,
  "vercelInvoiceId" | "state" | "createdAt" | "updatedAt"
>;

export interface CreditRow {
  invoiceId: string;
  /** Undefined for installation-level credit. */
  resourceId?: string;
  cents: number;
}

/** Usage days, both included, as the counters key them (YYYY-MM-DD). */
export interface DayRange {
  fromDay: string;
  toDay: string;
}

/**
 * What billing an installation for a period reads of its history: the resources it ever owned
 * with their owners and plans, its own plans, its credits, and their usage within a day range.
 */
export interface BillingHistory {
  /** The owners, oldest first, of every resource the installation ever owned. */
  owners: Map<string, OwnerChange[]>;
  /** The plan changes, oldest first, of each of those resources. */
  resourcePlans: Map<string, PlanChange[]>;
  /** The installation's own plan changes, oldest first. */
  installationPlans: PlanChange[];
  credits: CreditRow[];
  /** Daily values of those resources and of the installation itself (no `resourceId`). */
  usage: UsageRow[];
}

/** The billing tables' SQL: usage counters, invoices as submitted, prepaid credits. */
export class BillingQueries {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly engine: Engine,
  ) {}

  /**
   * Adds to a day's counter (`interval` meters) or raises it to a new level (`total` meters keep
   * the day's peak), in one statement so concurrent meter calls never lose an update. Each
   * (resource, meter, day) at most once in `counters`: PostgreSQL refuses to update a row twice.
   */
  async meter(counters: ResourceCounter[], mode: "add" | "peak"): Promise<void> {
    const updated_at = new Date().toISOString();
    await this.db
      .insertInto("usage_counters")
      .values(
        counters.map(({ resourceId, ...counter }) => ({
          resource_id: resourceId,
          ...counter,
          updated_at,
        })),
      )
      .onConflict((conflict) =>
        conflict
          .columns(["resource_id", "meter", "day"])
          .doUpdateSet({ value: this.accumulated("usage_counters", mode), updated_at }),
      )
      .execute();
  }

  /** `meter` for the installation's own meters (installation-level billing, spec §10). */
  async meterInstallation(installationId: string, counter: DayCounter, mode: "add" | "peak") {
    const updated_at = new Date().toISOString();
    await this.db
      .insertInto("installation_usage_counters")
      .values({ installation_id: installationId, ...counter, updated_at })
      .onConflict((conflict) =>
        conflict.columns(["installation_id", "meter", "day"]).doUpdateSet({
          value: this.accumulated("installation_usage_counters", mode),
          updated_at,
        }),
      )
      .execute();
  }

  private accumulated(
    table: "usage_counters" | "installation_usage_counters",
    mode: "add" | "peak",
  ) {
    const stored = sql.ref(`${table}.value`);
    const greatest = this.engine === "postgres" ? sql.raw("greatest") : sql.raw("max");
    return mode === "add"
      ? sql<number>`${stored} + excluded.value`
      : sql<number>`${greatest}(${stored}, excluded.value)`;
  }

  /**
   * `ownerHistories`, the plan changes of those resources and of the installation, `credits`,
   * `usage` and `installationUsage` within `range`, at once: on PostgreSQL in one statement, a
   * billing report's round trips being most of its cost beside the Partner API.
   */
  async history(installationId: string, range: DayRange): Promise<BillingHistory> {
    if (this.engine === "postgres") return this.historyInOneRead(installationId, range);
    const owners = await this.ownerHistories(installationId);
    const ownedIds = [...owners.keys()];
    const [resourcePlans, installationPlans, credits, usage, installationUsage] = await Promise.all(
      [
        this.planChanges("resource", ownedIds),
        this.planChanges("installation", [installationId]),
        this.credits(installationId),
        this.usage(ownedIds, range),
        this.installationUsage(installationId, range),
      ],
    );
    return {
      owners,
      resourcePlans,
      installationPlans: installationPlans.get(installationId) ?? [],
      credits,
      usage: [...usage, ...installationUsage],
    };
  }

  private async historyInOneRead(installationId: string, range: DayRange) {
    // Every column read is text or a double, so each reads back from JSON unchanged.
    const { rows } = await sql<HistoryRow>`
      with owned as (select resource_id from resource_owners where installation_id = ${installationId})
      select
        coalesce((select json_agg(json_build_array(o.resource_id, o.installation_id, o.since) order by o.since)
          from resource_owners o where o.resource_id in (select resource_id from owned)), '[]') as owners,
        coalesce((select json_agg(json_build_array(p.subject_id, p.billing_plan_id, p.changed_at) order by p.changed_at)
          from billing_plan_changes p
          where p.subject_type = 'resource' and p.subject_id in (select resource_id from owned)), '[]') as resource_plans,
        coalesce((select json_agg(json_build_array(p.billing_plan_id, p.changed_at) order by p.changed_at)
          from billing_plan_changes p
          where p.subject_type = 'installation' and p.subject_id = ${installationId}), '[]') as installation_plans,
        coalesce((select json_agg(json_build_array(c.invoice_id, c.pot, c.cents) order by c.created_at)
          from balance_credits c where c.installation_id = ${installationId}), '[]') as credits,
        coalesce((select json_agg(json_build_array(u.resource_id, u.meter, u.day, u.value) order by u.day)
          from usage_counters u
          where u.resource_id in (select resource_id from owned)
            and u.day >= ${range.fromDay} and u.day <= ${range.toDay}), '[]') as usage,
        coalesce((select json_agg(json_build_array(u.meter, u.day, u.value) order by u.day)
          from installation_usage_counters u
          where u.installation_id = ${installationId}
            and u.day >= ${range.fromDay} and u.day <= ${range.toDay}), '[]') as installation_usage`.execute(
      this.db,
    );
    const row = rows[0] as HistoryRow;
    const owners = new Map<string, OwnerChange[]>();
    for (const [resourceId, owner, since] of row.owners) {
      append(owners, resourceId, { installationId: owner, since });
    }
    const resourcePlans = new Map<string, PlanChange[]>([...owners.keys()].map((id) => [id, []]));
    for (const [resourceId, billingPlanId, at] of row.resource_plans) {
      append(resourcePlans, resourceId, { billingPlanId, at });
    }
    return {
      owners,
      resourcePlans,
      installationPlans: row.installation_plans.map(([billingPlanId, at]) => ({
        billingPlanId,
        at,
      })),
      credits: row.credits.map(([invoiceId, pot, cents]) => toCredit(invoiceId, pot, cents)),
      usage: [
        ...row.usage.map(([resourceId, meter, day, value]) => ({ resourceId, meter, day, value })),
        ...row.installation_usage.map(([meter, day, value]) => ({ meter, day, value })),
      ],
    };
  }

  /** Daily values of the given resources, from `fromDay` up to and including `toDay` when given. */
  async usage(resourceIds: string[], range?: DayRange) {
    if (resourceIds.length === 0) return [];
    const rows = await this.db
      .selectFrom("usage_counters")
      .select(["resource_id", "meter", "day", "value"])
      .where("resource_id", "in", resourceIds)
      .$if(range !== undefined, (query) =>
        query.where("day", ">=", range?.fromDay ?? "").where("day", "<=", range?.toDay ?? ""),
      )
      .orderBy("day")
      .execute();
    return rows.map(
      (row): UsageRow => ({
        resourceId: row.resource_id,
        meter: row.meter,
        day: row.day,
        value: Number(row.value),
      }),
    );
  }

  /** The installation's own daily values (rows without `resourceId`), as `usage` filters them. */
  async installationUsage(installationId: string, range?: DayRange) {
    const rows = await this.db
      .selectFrom("installation_usage_counters")
      .select(["meter", "day", "value"])
      .where("installation_id", "=", installationId)
      .$if(range !== undefined, (query) =>
        query.where("day", ">=", range?.fromDay ?? "").where("day", "<=", range?.toDay ?? ""),
      )
      .orderBy("day")
      .execute();
    return rows.map(
      (row): UsageRow => ({ meter: row.meter, day: row.day, value: Number(row.value) }),
    );
  }

  /**
   * Records that a resource or an installation is on a plan from `at` on; nothing when that is
   * already its latest plan. Two changes at the same instant: the later write is the plan.
   */
  async recordPlan(
    subject: PlanSubject,
    subjectId: string,
    billingPlanId: string | null,
    at: string,
  ) {
    const latest = await this.db
      .selectFrom("billing_plan_changes")
      .select("billing_plan_id")
      .where("subject_type", "=", subject)
      .where("subject_id", "=", subjectId)
      .orderBy("changed_at", "desc")
      .limit(1)
      .executeTakeFirst();
    if (latest ? latest.billing_plan_id === billingPlanId : billingPlanId === null) return;
    await this.db
      .insertInto("billing_plan_changes")
      .values({
        subject_type: subject,
        subject_id: subjectId,
        billing_plan_id: billingPlanId,
        changed_at: at,
      })
      .onConflict((conflict) =>
        conflict
          .columns(["subject_type", "subject_id", "changed_at"])
          .doUpdateSet({ billing_plan_id: billingPlanId }),
      )
      .execute();
  }

  /** The plan changes of the given subjects, oldest first. */
  async planChanges(
    subject: PlanSubject,
    subjectIds: string[],
  ): Promise<Map<string, PlanChange[]>> {
    const changes = new Map<string, PlanChange[]>(subjectIds.map((id) => [id, []]));
    if (subjectIds.length === 0) return changes;
    const rows = await this.db
      .selectFrom("billing_plan_changes")
      .select(["subject_id", "billing_plan_id", "changed_at"])
      .where("subject_type", "=", subject)
      .where("subject_id", "in", subjectIds)
      .orderBy("changed_at")
      .execute();
    for (const row of rows) {
      changes.get(row.subject_id)?.push({ billingPlanId: row.billing_plan_id, at: row.changed_at });
    }
    return changes;
  }

  /**
   * Records that the resources belong to `installationId` from `at` on (their creation, or a
   * transfer). Two owners at the same instant: the later write is the owner.
   */
  async recordOwner(resourceIds: string[], installationId: string, at: string) {
    if (resourceIds.length === 0) return;
    await this.db
      .insertInto("resource_owners")
      .values(
        resourceIds.map((id) => ({ resource_id: id, installation_id: installationId, since: at })),
      )
      .onConflict((conflict) =>
        conflict.columns(["resource_id", "since"]).doUpdateSet({ installation_id: installationId }),
      )
      .execute();
  }

  /** The owners, oldest first, of every resource the installation ever owned. */
  async ownerHistories(installationId: string): Promise<Map<string, OwnerChange[]>> {
    const rows = await this.db
      .selectFrom("resource_owners")
      .select(["resource_id", "installation_id", "since"])
      .where("resource_id", "in", (eb) =>
        eb
          .selectFrom("resource_owners")
          .select("resource_id")
          .where("installation_id", "=", installationId),
      )
      .orderBy("since")
      .execute();
    const histories = new Map<string, OwnerChange[]>();
    for (const row of rows) {
      append(histories, row.resource_id, { installationId: row.installation_id, since: row.since });
    }
    return histories;
  }

  /** Where a resource lives, for metering from outside a hook (a data plane). */
  async resourceOwner(resourceId: string) {
    return this.db
      .selectFrom("resources")
      .select(["installation_id as installationId", "product_id as productId"])
      .where("id", "=", resourceId)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
  }

  /**
   * The live installations, each with whether it still has to be invoiced for `period` (see
   * `markInvoiced`).
   */
  async installationsToBill(period: {
    start: string;
    end: string;
  }): Promise<{ id: string; invoiceDue: boolean }[]> {
    const rows = await this.db
      .selectFrom("installations")
      .leftJoin("invoiced_periods", "invoiced_periods.installation_id", "installations.id")
      .select([
        "installations.id as id",
        "installations.created_at as createdAt",
        "invoiced_periods.period_start as invoicedThrough",
      ])
      .where("installations.deleted_at", "is", null)
      .orderBy("installations.id")
      .execute();
    // One made after the period ended owed nothing in it: its invoice job would be a no-op.
    return rows.map(({ id, createdAt, invoicedThrough }) => ({
      id,
      invoiceDue:
        createdAt < period.end && (invoicedThrough === null || invoicedThrough < period.start),
    }));
  }

  /** The installation's invoices for the period starting at `periodStart` reached Vercel. */
  async markInvoiced(installationId: string, periodStart: string): Promise<void> {
    const updated_at = new Date().toISOString();
    await this.db
      .insertInto("invoiced_periods")
      .values({ installation_id: installationId, period_start: periodStart, updated_at })
      .onConflict((conflict) =>
        conflict
          .column("installation_id")
          .doUpdateSet({ period_start: periodStart, updated_at })
          .where("invoiced_periods.period_start", "<", periodStart),
      )
      .execute();
  }

  /** Keeps the first version of an invoice: a retry finds it and sends the same body. */
  async insertInvoice(invoice: NewInvoice): Promise<InvoiceRecord> {
    const at = new Date().toISOString();
    await this.db
      .insertInto("billing_invoices")
      .values({
        external_id: invoice.externalId,
        installation_id: invoice.installationId,
        resource_id: invoice.resourceId ?? "",
        billing_plan_id: invoice.billingPlanId,
        period_start: invoice.periodStart,
        period_end: invoice.periodEnd,
        request: JSON.stringify(invoice.request),
        total_cents: invoice.totalCents,
        vercel_invoice_id: null,
        state: "unsent",
        created_at: at,
        updated_at: at,
      })
      .onConflict((conflict) => conflict.columns(["installation_id", "external_id"]).doNothing())
      .execute();
    const stored = await this.invoice(invoice.installationId, invoice.externalId);
    if (!stored) throw new Error(`Invoice ${invoice.externalId} vanished after insert`);
    return stored;
  }

  /** An invoice by its `externalId`, which is unique within an installation (spec §5.13). */
  async invoice(installationId: string, externalId: string): Promise<InvoiceRecord | undefined> {
    const row = await this.db
      .selectFrom("billing_invoices")
      .selectAll()
      .where("installation_id", "=", installationId)
      .where("external_id", "=", externalId)
      .executeTakeFirst();
    return row && toInvoice(row);
  }

  async invoiceByVercelId(vercelInvoiceId: string): Promise<InvoiceRecord | undefined> {
    const row = await this.db
      .selectFrom("billing_invoices")
      .selectAll()
      .where("vercel_invoice_id", "=", vercelInvoiceId)
      .executeTakeFirst();
    return row && toInvoice(row);
  }

  async invoices(installationId: string): Promise<InvoiceRecord[]> {
    const rows = await this.db
      .selectFrom("billing_invoices")
      .selectAll()
      .where("installation_id", "=", installationId)
      .orderBy("period_start")
      .orderBy("external_id")
      .execute();
    return rows.map(toInvoice);
  }

  async markInvoiceSubmitted(invoice: InvoiceKey, vercelInvoiceId: string, state: string) {
    await this.db
      .updateTable("billing_invoices")
      .set({ vercel_invoice_id: vercelInvoiceId, state, updated_at: new Date().toISOString() })
      .where("installation_id", "=", invoice.installationId)
      .where("external_id", "=", invoice.externalId)
      .execute();
  }

  /** Records Vercel's state of an invoice; true when it differs from what was stored. */
  async setInvoiceState(invoice: InvoiceKey, state: string): Promise<boolean> {
    const result = await this.db
      .updateTable("billing_invoices")
      .set({ state, updated_at: new Date().toISOString() })
      .where("installation_id", "=", invoice.installationId)
      .where("external_id", "=", invoice.externalId)
      .where("state", "!=", state)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Credits an invoice's amounts; a line already credited for that invoice is skipped, so retries
   * and concurrent calls credit once (spec §4.15). Returns how many lines were new.
   */
  async addCredits(installationId: string, credits: CreditRow[]): Promise<number> {
    if (credits.length === 0) return 0;
    const created_at = new Date().toISOString();
    const result = await this.db
      .insertInto("balance_credits")
      .values(
        credits.map((credit) => ({
          invoice_id: credit.invoiceId,
          pot: credit.resourceId ?? "",
          installation_id: installationId,
          cents: credit.cents,
          created_at,
        })),
      )
      .onConflict((conflict) => conflict.columns(["invoice_id", "pot"]).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0);
  }

  async credits(installationId: string): Promise<CreditRow[]> {
    const rows = await this.db
      .selectFrom("balance_credits")
      .select(["invoice_id", "pot", "cents"])
      .where("installation_id", "=", installationId)
      .orderBy("created_at")
      .execute();
    return rows.map((row) => toCredit(row.invoice_id, row.pot, row.cents));
  }
}

/** `history`'s one row on PostgreSQL: each part a JSON array of tuples. */
interface HistoryRow {
  owners: [resourceId: string, installationId: string, since: string][];
  resource_plans: [resourceId: string, billingPlanId: string | null, at: string][];
  installation_plans: [billingPlanId: string | null, at: string][];
  credits: [invoiceId: string, pot: string, cents: number][];
  usage: [resourceId: string, meter: string, day: string, value: number][];
  installation_usage: [meter: string, day: string, value: number][];
}

function append<Key, Value>(map: Map<Key, Value[]>, key: Key, value: Value): void {
  const values = map.get(key);
  if (values) values.push(value);
  else map.set(key, [value]);
}

function toCredit(invoiceId: string, pot: string, cents: number | string): CreditRow {
  return { invoiceId, ...(pot !== "" && { resourceId: pot }), cents: Number(cents) };
}

function toInvoice(row: Selectable<BillingInvoicesTable>): InvoiceRecord {
  return {
    externalId: row.external_id,
    installationId: row.installation_id,
    ...(row.resource_id !== "" && { resourceId: row.resource_id }),
    billingPlanId: row.billing_plan_id,
    periodStart: row.period_start,
    periodEnd: row.period_end,
    request: JSON.parse(row.request),
    totalCents: Number(row.total_cents),
    vercelInvoiceId: row.vercel_invoice_id,
    state: row.state,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
