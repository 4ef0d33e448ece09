import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SecretBox } from "../store/secret-box.ts";

export const DEV_DIRECTORY = ".partnerkit";
const DEV_FILE = "dev.json";
const DEV_DATABASE_FILE = "partnerkit.db";

interface DevSecrets {
  clientId: string;
  clientSecret: string;
  encryptionKey: string;
}

type Env = Record<string, string | undefined>;

/** A file of the dev directory (`PARTNERKIT_DEV_DIR`, `.partnerkit/` by default). */
export const devPath = (env: Env, name: string) =>
  join(env.PARTNERKIT_DEV_DIR ?? DEV_DIRECTORY, name);

/** Where the dev server's billing clock is kept: it dates the data of the dev database. */
export const devBillingClockFile = (env: Env) => devPath(env, "billing-clock.json");

/** The SQLite database `dev` serves from unless DATABASE_URL says otherwise. */
export const devDatabaseFile = (env: Env) => devPath(env, DEV_DATABASE_FILE);

/**
 * `partnerkit dev` needs no configuration: a client id/secret and an encryption key are made once
 * and kept in `.partnerkit/dev.json` (never used by `start`). Variables already set win.
 */
export async function devEnvironment(env: Env): Promise<Env> {
  const secrets = await loadOrCreate(devPath(env, DEV_FILE));
  return {
    ...env,
    INTEGRATION_CLIENT_ID: env.INTEGRATION_CLIENT_ID || secrets.clientId,
    INTEGRATION_CLIENT_SECRET: env.INTEGRATION_CLIENT_SECRET || secrets.clientSecret,
    PARTNERKIT_ENCRYPTION_KEY: env.PARTNERKIT_ENCRYPTION_KEY || secrets.encryptionKey,
    // Beside the emulator's state, so that `--reset` empties both sides together.
    DATABASE_URL: env.DATABASE_URL || devDatabaseFile(env),
    // A minute, so the emulator console shows billing data while you try things out.
    PARTNERKIT_BILLING_INTERVAL: env.PARTNERKIT_BILLING_INTERVAL || "60",
    // The console's "Close the billing period" moves this clock (cli/dev-billing-clock.ts).
    PARTNERKIT_DEV_BILLING_CLOCK: devBillingClockFile(env),
  };
}

async function loadOrCreate(file: string): Promise<DevSecrets> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as DevSecrets;
  } catch {
    const secrets: DevSecrets = {
      clientId: "oac_partnerkit_dev",
      clientSecret: randomBytes(24).toString("base64url"),
      encryptionKey: SecretBox.generateKey(),
    };
    await mkdir(join(file, ".."), { recursive: true });
    await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    return secrets;
  }
}
