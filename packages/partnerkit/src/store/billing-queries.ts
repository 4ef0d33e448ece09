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

  /** Daily values of the given resources, from `fromDay` up to and including `toDay` when given. */
  async usage(resourceIds: string[], range?: { fromDay: string; toDay: string }) {
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
  async installationUsage(installationId: string, range?: { fromDay: string; toDay: string }) {
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
      const history = histories.get(row.resource_id) ?? [];
      history.push({ installationId: row.installation_id, since: row.since });
      histories.set(row.resource_id, history);
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
    return rows.map((row) => ({
      invoiceId: row.invoice_id,
      ...(row.pot !== "" && { resourceId: row.pot }),
      cents: Number(row.cents),
    }));
  }
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
