import type { IntegrationSetup } from "partnerkit";
import { acmeKvIntegration } from "./integration.ts";
import { KvStore } from "./kv-store.ts";

/** The module `partnerkit start --integration` loads: Acme KV keeps its data in Partnerkit's database. */
export default async function acmeKv({ database, publicUrl }: IntegrationSetup) {
  const kv = new KvStore(database);
  await kv.migrate();
  return acmeKvIntegration({ kv, publicUrl });
}
