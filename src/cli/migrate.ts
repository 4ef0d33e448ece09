import { KvStore } from "../demo/acme-kv/kv-store.ts";
import { openDatabase } from "../store/database.ts";
import { migrateStore } from "../store/kysely-store.ts";

export async function migrate(databaseUrl: string | undefined): Promise<void> {
  const database = openDatabase(databaseUrl || undefined);
  try {
    await migrateStore(database);
    await new KvStore(database).migrate();
  } finally {
    await database.close();
  }
}
