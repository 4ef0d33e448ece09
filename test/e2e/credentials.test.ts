import { type ServerType, serve } from "@hono/node-server";
import { afterEach, describe, expect, it } from "vitest";
import { createEmulator } from "../../packages/partnerkit/src/emulator/emulator.ts";
import { type Database, openDatabase } from "../../packages/partnerkit/src/store/database.ts";
import { createStore, migrateStore } from "../../packages/partnerkit/src/store/kysely-store.ts";
import { SecretBox } from "../../packages/partnerkit/src/store/secret-box.ts";
import {
  createE2eDatabase,
  type E2eDatabase,
  freePort,
  killAllPartnerkits,
  spawnPartnerkit,
} from "../support/server-process.ts";

const ENCRYPTION_KEY = "c3".repeat(32);
const CLIENT_SECRET = "e2e-client-secret";

let database: E2eDatabase | undefined;
let db: Database | undefined;
let api: ServerType | undefined;
afterEach(async () => {
  await killAllPartnerkits();
  await db?.close();
  await new Promise((resolve) => api?.close(resolve) ?? resolve(undefined));
  await database?.drop();
});

describe("partnerkit credentials rotate (spec §5.4)", () => {
  it("stores the new installation token and revokes the old one at Vercel", async () => {
    const port = await freePort();
    const emulator = await createEmulator({
      url: `http://127.0.0.1:${port}`,
      partnerUrl: "http://127.0.0.1:9",
      clientId: "oac_e2e",
      clientSecret: CLIENT_SECRET,
    });
    api = serve({ fetch: emulator.fetch, port, hostname: "127.0.0.1" });
    emulator.state.installations.set("icfg_e2e", {
      id: "icfg_e2e",
      accountId: "team_e2e",
      userId: "user_e2e",
      accessToken: "vat_original",
      status: "installed",
    });

    database = await createE2eDatabase();
    db = openDatabase(database.url);
    await migrateStore(db);
    const store = createStore(db, SecretBox.fromEnv(ENCRYPTION_KEY));
    await store.upsertInstallation({
      id: "icfg_e2e",
      accountId: "team_e2e",
      installerUserId: "user_e2e",
      scopes: ["read-write:integration-resource"],
      acceptedPolicies: {},
      account: { url: "https://vercel.com/e2e", contact: { email: "e2e@example.com" } },
      credentials: { access_token: "vat_original", token_type: "Bearer" },
      defaultBillingPlanId: null,
    });

    const command = spawnPartnerkit(
      {
        INTEGRATION_CLIENT_ID: "oac_e2e",
        INTEGRATION_CLIENT_SECRET: CLIENT_SECRET,
        PARTNERKIT_ENCRYPTION_KEY: ENCRYPTION_KEY,
        DATABASE_URL: database.url,
        VERCEL_API_URL: `http://127.0.0.1:${port}`,
      },
      ["credentials", "rotate", "icfg_e2e"],
    );
    const exit = await command.exited;
    expect(exit.code, command.stderr).toBe(0);
    expect(command.stdout).toContain("icfg_e2e: new credential stored, the previous one revoked");

    const atVercel = emulator.state.installations.get("icfg_e2e");
    expect(atVercel?.accessToken).not.toBe("vat_original");
    expect(atVercel?.previousTokens).toEqual([]);
    expect((await store.installationCredentials("icfg_e2e"))?.accessToken).toBe(
      atVercel?.accessToken,
    );
    // The new token is sealed at rest, never stored as it is.
    expect(await database.contentsAtRest()).not.toContain(atVercel?.accessToken);
  });
});
