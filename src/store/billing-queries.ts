import { type Kysely, type Selectable, sql } from "kysely";
import type { Engine } from "./database.ts";
import type { BillingInvoicesTable, Tables } from "./tables.ts";

export interface UsageRow {
  resourceId: string;
  meter: string;
  day: string;
  value: number;
}

export interface InvoiceRecord {
  externalId: string;
  installationId: string;
  resourceId: string;
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
   * the day's peak), in one statement so concurrent meter calls never lose an update.
   */
  async meter(row: UsageRow, mode: "add" | "peak"): Promise<void> {
    const updated_at = new Date().toISOString();
    const greatest = this.engine === "postgres" ? sql.raw("greatest") : sql.raw("max");
    await this.db
      .insertInto("usage_counters")
      .values({
        resource_id: row.resourceId,
        meter: row.meter,
        day: row.day,
        value: row.value,
        updated_at,
      })
      .onConflict((conflict) =>
        conflict.columns(["resource_id", "meter", "day"]).doUpdateSet({
          value:
            mode === "add"
              ? sql<number>`usage_counters.value + excluded.value`
              : sql<number>`${greatest}(usage_counters.value, excluded.value)`,
          updated_at,
        }),
      )
      .execute();
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

  /** Where a resource lives, for metering from outside a hook (a data plane). */
  async resourceOwner(resourceId: string) {
    return this.db
      .selectFrom("resources")
      .select(["installation_id as installationId", "product_id as productId"])
      .where("id", "=", resourceId)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
  }

  async liveInstallationIds(): Promise<string[]> {
    const rows = await this.db
      .selectFrom("installations")
      .select("id")
      .where("deleted_at", "is", null)
      .orderBy("id")
      .execute();
    return rows.map((row) => row.id);
  }

  /** Keeps the first version of an invoice: a retry finds it and sends the same body. */
  async insertInvoice(invoice: NewInvoice): Promise<InvoiceRecord> {
    const at = new Date().toISOString();
    await this.db
      .insertInto("billing_invoices")
      .values({
        external_id: invoice.externalId,
        installation_id: invoice.installationId,
        resource_id: invoice.resourceId,
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
      .onConflict((conflict) => conflict.column("external_id").doNothing())
      .execute();
    const stored = await this.invoice(invoice.externalId);
    if (!stored) throw new Error(`Invoice ${invoice.externalId} vanished after insert`);
    return stored;
  }

  async invoice(externalId: string): Promise<InvoiceRecord | undefined> {
    const row = await this.db
      .selectFrom("billing_invoices")
      .selectAll()
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

  async markInvoiceSubmitted(externalId: string, vercelInvoiceId: string, state: string) {
    await this.db
      .updateTable("billing_invoices")
      .set({ vercel_invoice_id: vercelInvoiceId, state, updated_at: new Date().toISOString() })
      .where("external_id", "=", externalId)
      .execute();
  }

  /** Records Vercel's state of an invoice; true when it differs from what was stored. */
  async setInvoiceState(externalId: string, state: string): Promise<boolean> {
    const result = await this.db
      .updateTable("billing_invoices")
      .set({ state, updated_at: new Date().toISOString() })
      .where("external_id", "=", externalId)
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
    resourceId: row.resource_id,
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
