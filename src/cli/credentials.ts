import type { Logger } from "pino";
import type { ServerConfig } from "../config.ts";
import { rotateInstallationCredential } from "../core/installation-credentials.ts";
import { vercelClientsFor } from "../core/services.ts";
import { openDatabase } from "../store/database.ts";
import { createStore, migrateStore } from "../store/kysely-store.ts";
import { SecretBox } from "../store/secret-box.ts";

/** `partnerkit credentials rotate <installationId>`: a new installation token (spec §5.4). */
export async function credentialsCommand(
  args: string[],
  config: ServerConfig,
  logger: Logger,
): Promise<number> {
  const installationId = args[1];
  if (args[0] !== "rotate" || !installationId) {
    process.stderr.write("Usage: partnerkit credentials rotate <installation id>\n");
    return 1;
  }
  const database = openDatabase(config.databaseUrl);
  try {
    await migrateStore(database);
    const store = createStore(database, SecretBox.fromEnv(config.encryptionKey));
    let revokedPrevious: boolean;
    try {
      ({ revokedPrevious } = await rotateInstallationCredential(
        {
          store,
          vercelFor: vercelClientsFor(store, { baseUrl: config.vercelApiUrl }),
          client: { id: config.clientIds[0], secret: config.clientSecret },
        },
        installationId,
        logger,
      ));
    } catch (error) {
      // An unknown installation or Vercel's refusal: the message says which, no stack needed.
      process.stderr.write(`partnerkit: ${(error as Error).message}\n`);
      return 1;
    }
    process.stdout.write(
      revokedPrevious
        ? `${installationId}: new credential stored, the previous one revoked\n`
        : `${installationId}: new credential stored; revoking the previous one failed (it still works)\n`,
    );
    return 0;
  } finally {
    await database.close();
  }
}
