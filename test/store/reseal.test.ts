import type { KyselyPlugin } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../../packages/partnerkit/src/store/database.ts";
import { createStore, migrateStore } from "../../packages/partnerkit/src/store/kysely-store.ts";
import type { IdempotencyRequest } from "../../packages/partnerkit/src/store/records.ts";
import {
  type ColumnReseal,
  resealSecrets,
  UNKNOWN_FORMAT,
} from "../../packages/partnerkit/src/store/reseal.ts";
import {
  credentialsContext,
  idempotencyContext,
} from "../../packages/partnerkit/src/store/sealed-contexts.ts";
import { SecretBox } from "../../packages/partnerkit/src/store/secret-box.ts";
import type { Store } from "../../packages/partnerkit/src/store/store.ts";
import type { Tables } from "../../packages/partnerkit/src/store/tables.ts";
import { openTestDatabase } from "../support/database.ts";
import { createE2eDatabase, type E2eDatabase } from "../support/server-process.ts";
import { installationRow } from "../support/store-rows.ts";

const OLD_KEY = `old:${"0a".repeat(32)}`;
const NEW_KEY = `new:${"0b".repeat(32)}`;
const GONE_KEY = `gone:${"0c".repeat(32)}`;
const boxOf = (...keys: string[]) => SecretBox.fromEnv(keys.join(","));

const ACTION = {
  installationId: "icfg_1",
  deploymentId: "dpl_1",
  resourceId: "res_1",
  action: "issue-token",
};
const IDEMPOTENT_REQUEST: IdempotencyRequest = {
  installationId: "icfg_1",
  method: "PUT",
  path: "/v1/installations/icfg_1/resources",
  key: "idem_1",
  requestHash: "hash_1",
  callerAccount: null,
};

const opened: { close(): Promise<void> }[] = [];
let shared: E2eDatabase | undefined;
afterEach(async () => {
  for (const database of opened.splice(0)) await database.close();
  await shared?.drop();
  shared = undefined;
});

async function migratedDatabase(): Promise<Database> {
  const database = await openTestDatabase();
  opened.push(database);
  await migrateStore(database);
  return database;
}

/** One value in every sealed column, written through the store as a server would. */
async function fillEverySealedColumn(store: Store): Promise<void> {
  await installation(store, "icfg_1");
  await store.insertResource({
    id: "res_1",
    installationId: "icfg_1",
    productId: "acme-kv",
    name: "kv",
    metadata: {},
    status: "ready",
    billingPlanId: "free",
    notification: null,
    protocolSettings: null,
    externalId: null,
    secrets: [{ name: "KV_URL", value: "redis://secret-1" }],
  });
  const { run } = await store.createActionRun(ACTION, "evt_1");
  await store.transitionActionRun(run.id, ["queued"], {
    status: "succeeded",
    outcomes: [{ kind: "token", secrets: [{ name: "KV_TOKEN", value: "token-1" }] }],
  });
  await store.rotations.insert({
    installationId: "icfg_1",
    resourceId: "res_1",
    status: "rotated",
    reason: null,
    delayHours: 0,
    previousSecrets: [{ name: "KV_URL", value: "redis://secret-0" }],
  });
  await store.claimIdempotencyKey(IDEMPOTENT_REQUEST, 60_000, "request_1");
  await store.completeIdempotencyKey(IDEMPOTENT_REQUEST, "request_1", {
    status: 201,
    body: '{"id":"res_1"}',
  });
}

function installation(store: Store, id: string) {
  return store.upsertInstallation({
    id,
    accountId: "team_1",
    installerUserId: "user_1",
    scopes: [],
    acceptedPolicies: {},
    account: { url: "https://vercel.com/team", contact: { email: "team@example.com" } },
    credentials: { access_token: `vat_${id}`, token_type: "Bearer" },
    defaultBillingPlanId: null,
  });
}

/** Every sealed value, as the store reads it back. */
async function readEverySealedValue(store: Store) {
  return {
    credentials: await store.installationCredentials("icfg_1"),
    secrets: await store.resourceSecrets("res_1"),
    outcomes: (await store.getActionRun(ACTION))?.outcomes,
    previousSecrets: (await store.rotations.unfinished("res_1"))?.previousSecrets,
    replay: await store.claimIdempotencyKey(IDEMPOTENT_REQUEST, 60_000, "request_2"),
  };
}

/** The key id every raw sealed value names, column by column. */
async function sealingKeys(database: Database): Promise<Record<string, (string | undefined)[]>> {
  const db = database.kysely.withTables<Tables>();
  const keys = (values: (string | null)[]) =>
    values.flatMap((value) => (value === null ? [] : [SecretBox.keyIdOf(value)]));
  return {
    "installations.credentials": keys(
      (await db.selectFrom("installations").select("credentials").execute()).map(
        (row) => row.credentials,
      ),
    ),
    "resources.secrets": keys(
      (await db.selectFrom("resources").select("secrets").execute()).map((row) => row.secrets),
    ),
    "idempotency_keys.response_body": keys(
      (await db.selectFrom("idempotency_keys").select("response_body").execute()).map(
        (row) => row.response_body,
      ),
    ),
    "secret_rotations.previous_secrets": keys(
      (await db.selectFrom("secret_rotations").select("previous_secrets").execute()).map(
        (row) => row.previous_secrets,
      ),
    ),
    "action_runs.outcome": keys(
      (await db.selectFrom("action_runs").select("outcome").execute()).map((row) => row.outcome),
    ),
  };
}

const counts = (reports: ColumnReseal[]) =>
  Object.fromEntries(
    reports.map(({ column, resealed, alreadyCurrent, remaining }) => [
      column,
      { resealed, alreadyCurrent, remaining },
    ]),
  );

const SEALED_COLUMNS = [
  "installations.credentials",
  "resources.secrets",
  "idempotency_keys.response_body",
  "secret_rotations.previous_secrets",
  "action_runs.outcome",
];

describe("resealing stored secrets under the newest key", () => {
  it("moves every sealed column to the new key, and a store with only that key reads them all", async () => {
    const database = await migratedDatabase();
    const before = createStore(database, boxOf(OLD_KEY));
    await fillEverySealedColumn(before);
    const expected = await readEverySealedValue(before);
    expect(expected.replay).toEqual({
      outcome: "replay",
      response: { status: 201, body: '{"id":"res_1"}' },
    });
    expect(Object.values(await sealingKeys(database)).flat()).toEqual(
      SEALED_COLUMNS.map(() => "old"),
    );

    const reports = await resealSecrets(database.kysely, boxOf(NEW_KEY, OLD_KEY));

    const moved = { resealed: 1, alreadyCurrent: 0, remaining: 0 };
    expect(counts(reports)).toEqual(Object.fromEntries(SEALED_COLUMNS.map((c) => [c, moved])));
    expect(reports.every((report) => Object.keys(report.couldNotOpen).length === 0)).toBe(true);
    expect(await sealingKeys(database)).toEqual(
      Object.fromEntries(SEALED_COLUMNS.map((column) => [column, ["new"]])),
    );
    const newKeyOnly = createStore(database, boxOf(NEW_KEY));
    expect(await readEverySealedValue(newKeyOnly)).toEqual(expected);

    const again = await resealSecrets(database.kysely, boxOf(NEW_KEY, OLD_KEY));
    const current = { resealed: 0, alreadyCurrent: 1, remaining: 0 };
    expect(counts(again)).toEqual(Object.fromEntries(SEALED_COLUMNS.map((c) => [c, current])));
  });

  it("leaves values it cannot open as they were and names the key that sealed them, across pages", async () => {
    const database = await migratedDatabase();
    const db = database.kysely.withTables<Tables>();
    const at = new Date().toISOString();
    // More rows than one page holds, with the ones that cannot open spread over every page.
    const rows = Array.from({ length: 600 }, (_, index) => {
      const id = `icfg_${String(index).padStart(4, "0")}`;
      const box = index % 7 === 0 ? boxOf(GONE_KEY) : boxOf(OLD_KEY);
      const credentials = JSON.stringify({ access_token: `vat_${index}`, token_type: "Bearer" });
      return {
        ...installationRow(id, at),
        credentials: box.seal(credentials, credentialsContext(id)),
      };
    });
    rows.push({ ...installationRow("icfg_plain", at), credentials: "not a sealed value" });
    await db.insertInto("installations").values(rows).execute();
    const gone = rows.filter((row) => SecretBox.keyIdOf(row.credentials) === "gone");

    const [installations] = await resealSecrets(database.kysely, boxOf(NEW_KEY, OLD_KEY));

    expect(installations).toEqual({
      column: "installations.credentials",
      resealed: 600 - gone.length,
      alreadyCurrent: 0,
      couldNotOpen: { gone: gone.length, [UNKNOWN_FORMAT]: 1 },
      remaining: gone.length + 1,
    });
    const after = new Map(
      (await db.selectFrom("installations").select(["id", "credentials"]).execute()).map((row) => [
        row.id,
        row.credentials,
      ]),
    );
    for (const row of gone) expect(after.get(row.id)).toBe(row.credentials);
    expect(after.get("icfg_plain")).toBe("not a sealed value");
    const underNew = [...after.values()].filter((value) => SecretBox.keyIdOf(value) === "new");
    expect(underNew).toHaveLength(600 - gone.length);
    expect(
      await createStore(database, boxOf(NEW_KEY)).installationCredentials("icfg_0001"),
    ).toEqual({ accessToken: "vat_1", tokenType: "Bearer" });
  });

  it("pages through the composite key of idempotency responses", async () => {
    const database = await migratedDatabase();
    const at = new Date().toISOString();
    const rows = Array.from({ length: 600 }, (_, index) => {
      const scope = {
        installationId: `icfg_${index % 3}`,
        method: index % 2 === 0 ? "PUT" : "POST",
        path: `/v1/installations/icfg_${index % 3}/resources`,
        key: `idem_${index}`,
      };
      const box = index % 5 === 0 ? boxOf(GONE_KEY) : boxOf(OLD_KEY);
      return {
        installation_id: scope.installationId,
        method: scope.method,
        path: scope.path,
        key: scope.key,
        request_hash: "hash",
        caller_account: null,
        state: "done" as const,
        owner: null,
        response_status: 200,
        response_body: box.seal(`{"index":${index}}`, idempotencyContext(scope)),
        locked_until: at,
        created_at: at,
      };
    });
    const db = database.kysely.withTables<Tables>();
    await db.insertInto("idempotency_keys").values(rows).execute();

    const reports = await resealSecrets(database.kysely, boxOf(NEW_KEY, OLD_KEY));

    expect(reports.find((report) => report.column === "idempotency_keys.response_body")).toEqual({
      column: "idempotency_keys.response_body",
      resealed: 480,
      alreadyCurrent: 0,
      couldNotOpen: { gone: 120 },
      remaining: 120,
    });
    const keys = (await sealingKeys(database))["idempotency_keys.response_body"];
    expect(keys?.filter((key) => key === "new")).toHaveLength(480);
    const replay = await createStore(database, boxOf(NEW_KEY)).claimIdempotencyKey(
      {
        installationId: "icfg_1",
        method: "POST",
        path: "/v1/installations/icfg_1/resources",
        key: "idem_1",
        requestHash: "hash",
        callerAccount: null,
      },
      60_000,
      "request_1",
    );
    expect(replay).toEqual({ outcome: "replay", response: { status: 200, body: '{"index":1}' } });
  });

  it("does not overwrite a value a running server changed between the read and the write", async () => {
    // Two connections to one database, as a server and `partnerkit reseal` have.
    shared = await createE2eDatabase();
    const server = openDatabase(shared.url);
    const resealer = openDatabase(shared.url);
    opened.push(server, resealer);
    await migrateStore(server);
    await fillEverySealedColumn(createStore(server, boxOf(OLD_KEY)));
    const restartedServer = createStore(server, boxOf(NEW_KEY, OLD_KEY));
    const newSecrets = [{ name: "KV_URL", value: "redis://secret-2" }];
    let serverWrote = false;
    // Once reseal has read the resource's secrets, the server replaces them.
    const serverWritesAfterTheRead: KyselyPlugin = {
      transformQuery: ({ node }) => node,
      async transformResult({ result }) {
        if (!serverWrote && result.rows.some((row) => row.id === "res_1" && "sealed" in row)) {
          serverWrote = true;
          await restartedServer.replaceResourceSecrets("res_1", newSecrets);
        }
        return result;
      },
    };
    const reports = await resealSecrets(
      resealer.kysely.withPlugin(serverWritesAfterTheRead),
      boxOf(NEW_KEY, OLD_KEY),
    );

    expect(serverWrote).toBe(true);
    expect(reports.find((report) => report.column === "resources.secrets")).toMatchObject({
      resealed: 0,
      remaining: 0,
    });
    expect(await restartedServer.resourceSecrets("res_1")).toEqual(newSecrets);
    expect(await createStore(server, boxOf(NEW_KEY)).resourceSecrets("res_1")).toEqual(newSecrets);
    // The other columns were resealed as usual.
    expect(reports.map((report) => report.resealed)).toEqual([1, 0, 1, 1, 1]);
  });
});
