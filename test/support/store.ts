import type { Database } from "../../packages/partnerkit/src/store/database.ts";
import { createStore, migrateStore } from "../../packages/partnerkit/src/store/kysely-store.ts";
import { SecretBox } from "../../packages/partnerkit/src/store/secret-box.ts";
import type { Store } from "../../packages/partnerkit/src/store/store.ts";
import { openTestDatabase } from "./database.ts";
import { TEST_ENCRYPTION_KEY } from "./partner-app.ts";

/** A migrated store over a fresh test database, for tests of the storage layer itself. */
export async function openTestStore(
  urlParameters?: string,
): Promise<{ database: Database; store: Store }> {
  const database = await openTestDatabase(urlParameters);
  await migrateStore(database);
  return { database, store: createStore(database, SecretBox.fromEnv(TEST_ENCRYPTION_KEY)) };
}

/** The store's transaction after the next `skip` fails, as a lost connection would; later ones run. */
export function failTransaction(store: Store, skip = 0): void {
  const original = store.transaction.bind(store);
  let left = skip;
  store.transaction = async <T>(work: (store: Store) => Promise<T>): Promise<T> => {
    if (left > 0) {
      left -= 1;
      return original(work);
    }
    store.transaction = original;
    throw new Error("connection lost");
  };
}
