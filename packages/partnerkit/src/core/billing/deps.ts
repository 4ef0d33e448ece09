import type { Store } from "../../store/store.ts";
import type { Integration } from "../define-integration.ts";
import type { HookContexts, VercelClientFor } from "../hook-context.ts";
import type { InstallationService } from "../installations.ts";
import type { InvoiceTest } from "./invoice-drafts.ts";
import type { Clock } from "./metering.ts";

export interface BillingOptions {
  /** The billing clock (usage days, periods, timestamps); injectable for tests. */
  now?: Clock;
  /** Submit every invoice in Vercel's test mode (spec §10), e.g. `{ result: "paid" }`. */
  invoiceTest?: InvoiceTest;
}

/** What the billing modules share. */
export interface BillingDeps {
  integration: Integration;
  store: Store;
  contexts: HookContexts;
  vercelFor: VercelClientFor;
  installations: InstallationService;
  now: Clock;
  invoiceTest?: InvoiceTest;
}
