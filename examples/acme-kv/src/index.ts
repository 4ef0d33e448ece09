import type { IntegrationSetup } from "partnerkit";
import { FlagStore } from "./flags/flag-store.ts";
import { acmeIntegration } from "./integration.ts";
import { KvStore } from "./kv-store.ts";

/**
 * The module `partnerkit start --integration` loads: Acme KV and Acme Flags keep their data in
 * Partnerkit's database.
 */
export default async function acme({ database, publicUrl }: IntegrationSetup) {
  const kv = new KvStore(database);
  const flags = new FlagStore(database);
  await kv.migrate();
  await flags.migrate();
  return acmeIntegration({ kv, flags, publicUrl });
}
