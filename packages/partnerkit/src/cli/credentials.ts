import { loadConfig } from "../config.ts";
import { rotateInstallationCredential } from "../core/installation-credentials.ts";
import { vercelClientsFor } from "../core/services.ts";
import { createLogger } from "../logger.ts";
import { openDatabase } from "../store/database.ts";
import { createStore, migrateStore } from "../store/kysely-store.ts";
import { SecretBox } from "../store/secret-box.ts";
import { expectUsage, parseCommand } from "./parse.ts";

const USAGE = `Usage: partnerkit credentials rotate <installation id>

  Asks Vercel for a new installation token (spec §5.4), stores it and revokes the previous one.
  Reads the same environment as \`partnerkit start\`.
`;

/** `partnerkit credentials rotate <installationId>`: a new installation token (spec §5.4). */
export async function credentialsCommand(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  const { positionals } = parseCommand(USAGE, { args, options: {}, allowPositionals: true });
  const [verb, installationId] = positionals;
  expectUsage(verb === "rotate" && installationId, "expected rotate <installation id>", USAGE);
  const config = loadConfig(env);
  const logger = createLogger(env.LOG_LEVEL);
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
