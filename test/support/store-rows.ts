import type { Insertable } from "kysely";
import type {
  InstallationsTable,
  ResourcesTable,
} from "../../packages/partnerkit/src/store/tables.ts";

/**
 * Rows written straight into the tables, as a database from before a migration holds them; the
 * store's own writes would also fill the tables that migration adds.
 */
export function installationRow(
  id: string,
  at: string,
  billingPlanId: string | null = null,
): Insertable<InstallationsTable> {
  return {
    id,
    account_id: null,
    installer_user_id: null,
    scopes: "[]",
    accepted_policies: "{}",
    account: "{}",
    credentials: "",
    billing_plan_id: billingPlanId,
    notification: null,
    deleted_at: null,
    created_at: at,
    updated_at: at,
  };
}

export function resourceRow(
  id: string,
  installationId: string,
  billingPlanId: string,
  at: string,
): Insertable<ResourcesTable> {
  return {
    id,
    installation_id: installationId,
    product_id: "acme-kv",
    name: "kv",
    metadata: "{}",
    status: "ready",
    billing_plan_id: billingPlanId,
    notification: null,
    protocol_settings: null,
    external_id: null,
    secrets: "",
    deleted_at: null,
    created_at: at,
    updated_at: at,
  };
}
