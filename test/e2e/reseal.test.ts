import { afterEach, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../../packages/partnerkit/src/store/database.ts";
import { createStore, migrateStore } from "../../packages/partnerkit/src/store/kysely-store.ts";
import { SecretBox } from "../../packages/partnerkit/src/store/secret-box.ts";
import type { Store } from "../../packages/partnerkit/src/store/store.ts";
import {
  createE2eDatabase,
  type E2eDatabase,
  killAllPartnerkits,
  spawnPartnerkit,
} from "../support/server-process.ts";

const OLD_KEY = `old:${"d1".repeat(32)}`;
const NEW_KEY = `new:${"d2".repeat(32)}`;
const GONE_KEY = `gone:${"d3".repeat(32)}`;

let database: E2eDatabase | undefined;
let db: Database | undefined;
afterEach(async () => {
  await killAllPartnerkits();
  await db?.close();
  await database?.drop();
  db = undefined;
  database = undefined;
});

function installation(store: Store, id: string) {
  return store.upsertInstallation({
    id,
    accountId: "team_e2e",
    installerUserId: "user_e2e",
    scopes: [],
    acceptedPolicies: {},
    account: { url: "https://vercel.com/e2e", contact: { email: "e2e@example.com" } },
    credentials: { access_token: `vat_${id}`, token_type: "Bearer" },
    defaultBillingPlanId: null,
  });
}

async function reseal(env: Record<string, string>) {
  const command = spawnPartnerkit(env, "reseal");
  const { code } = await command.exited;
  return { code, stdout: command.stdout, stderr: command.stderr };
}

describe("partnerkit reseal", () => {
  it("moves stored secrets to the newest key, then names a key it lacks", async () => {
    database = await createE2eDatabase();
    db = openDatabase(database.url);
    await migrateStore(db);
    await installation(createStore(db, SecretBox.fromEnv(OLD_KEY)), "icfg_old");
    const env = { DATABASE_URL: database.url, PARTNERKIT_ENCRYPTION_KEY: `${NEW_KEY},${OLD_KEY}` };

    const moved = await reseal(env);
    expect(moved.code, moved.stderr).toBe(0);
    const lines = moved.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^column\s+resealed\s+already current\s+could not open$/);
    expect(lines).toContainEqual(expect.stringMatching(/^installations\.credentials\s+1\s+0\s+0$/));
    expect(lines).toContainEqual(expect.stringMatching(/^resources\.secrets\s+0\s+0\s+0$/));
    expect(lines.at(-1)).toBe(
      "Every sealed value is under key new: old can be removed from PARTNERKIT_ENCRYPTION_KEY.",
    );
    const newKeyOnly = createStore(db, SecretBox.fromEnv(NEW_KEY));
    expect(await newKeyOnly.installationCredentials("icfg_old")).toEqual({
      accessToken: "vat_icfg_old",
      tokenType: "Bearer",
    });

    await installation(createStore(db, SecretBox.fromEnv(GONE_KEY)), "icfg_gone");
    const stuck = await reseal(env);
    expect(stuck.code).toBe(1);
    expect(stuck.stdout).toMatch(/^installations\.credentials\s+0\s+1\s+1$/m);
    expect(stuck.stdout.trimEnd().split("\n").at(-1)).toBe(
      "1 value(s) could not be opened: 1 sealed by key gone, which is not configured. Keep the older keys; add the missing ones to PARTNERKIT_ENCRYPTION_KEY and run again.",
    );
  });

  it("says in one line that the encryption key is missing", async () => {
    database = await createE2eDatabase();
    const { code, stdout, stderr } = await reseal({ DATABASE_URL: database.url });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      "partnerkit: Missing required environment variable PARTNERKIT_ENCRYPTION_KEY\n",
    );
  });
});
