import type { Database } from "../../packages/partnerkit/src/store/database.ts";
import { createStore, migrateStore } from "../../packages/partnerkit/src/store/kysely-store.ts";
import { SecretBox } from "../../packages/partnerkit/src/store/secret-box.ts";
import type { Store } from "../../packages/partnerkit/src/store/store.ts";
import { openTestDatabase } from "./database.ts";
import { TEST_ENCRYPTION_KEY } from "./partner-app.ts";

/** A migrated store over a fresh test database, for tests of the storage layer itself. */
export async function openTestStore(): Promise<{ database: Database; store: Store }> {
  const database = await openTestDatabase();
  await migrateStore(database);
  return { database, store: createStore(database, SecretBox.fromEnv(TEST_ENCRYPTION_KEY)) };
}
