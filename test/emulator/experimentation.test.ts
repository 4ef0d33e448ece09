import { VercelCore } from "@vercel/sdk/core.js";
import { marketplaceCreateInstallationIntegrationConfiguration } from "@vercel/sdk/funcs/marketplaceCreateInstallationIntegrationConfiguration.js";
import { marketplaceGetInstallationsByIntegrationConfigurationIdResourcesByResourceIdExperimentationGlobalConfig } from "@vercel/sdk/funcs/marketplaceGetInstallationsByIntegrationConfigurationIdResourcesByResourceIdExperimentationGlobalConfig.js";
import { marketplaceReplaceInstallationsByIntegrationConfigurationIdResourcesByResourceIdExperimentationGlobalConfig } from "@vercel/sdk/funcs/marketplaceReplaceInstallationsByIntegrationConfigurationIdResourcesByResourceIdExperimentationGlobalConfig.js";
import { HTTPClient } from "@vercel/sdk/lib/http.js";
import { beforeEach, describe, expect, it } from "vitest";
import { CallRecorder } from "../../packages/partnerkit/src/emulator/recorder.ts";
import {
  type EmulatedResource,
  EmulatorState,
  newEdgeConfig,
} from "../../packages/partnerkit/src/emulator/state.ts";
import { vercelApiRoutes } from "../../packages/partnerkit/src/emulator/vercel-api/app.ts";
import {
  type FaultPlan,
  provisioningNotFinished,
} from "../../packages/partnerkit/src/emulator/vercel-api/faults.ts";
import {
  type VercelApiSnapshot,
  VercelApiState,
} from "../../packages/partnerkit/src/emulator/vercel-api/store.ts";
import { ErrorBody } from "../../packages/partnerkit/src/protocol/errors.ts";
import { FlagsConfigState } from "../../packages/partnerkit/src/protocol/experimentation.ts";

const API = "https://api.vercel.test";
const TOKEN = "vat_flags_token";
const OTHER_TOKEN = "vat_other_token";
const SYNCED = "/v1/installations/icfg_flags/resources/flags_1/experimentation";
const UNSYNCED = "/v1/installations/icfg_flags/resources/flags_2/experimentation";
/** Long enough ago that no provisioning window covers it. */
const LONG_AGO = Date.now() - 3_600_000;

let state: EmulatorState;
let recorder: CallRecorder;
let store: VercelApiState;
let faults: FaultPlan;
let warnings: string[];
let app: ReturnType<typeof vercelApiRoutes>["app"];
let synced: EmulatedResource;

beforeEach(() => {
  state = new EmulatorState();
  recorder = new CallRecorder();
  warnings = [];
  ({ app, store, faults } = vercelApiRoutes({
    state,
    recorder,
    warn: (message) => warnings.push(message),
  }));
  for (const [id, accessToken] of [
    ["icfg_flags", TOKEN],
    ["icfg_other", OTHER_TOKEN],
  ] as const) {
    state.installations.set(id, {
      id,
      accountId: `team_${id}`,
      userId: "user_owner",
      accessToken,
      status: "installed",
    });
  }
  synced = state.saveResource("icfg_flags", flagsResource("flags_1", "checkout flags"));
  synced.provisionedAt = LONG_AGO;
  synced.edgeConfig = { ...newEdgeConfig(), createdAt: LONG_AGO };
  state.saveResource("icfg_flags", flagsResource("flags_2", "unsynced flags")).provisionedAt =
    LONG_AGO;
});

function flagsResource(id: string, name: string) {
  return { id, productId: "acme-flags", name, metadata: {}, status: "ready" as const };
}

const call = (
  path: string,
  init: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {},
) => {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${init.token ?? TOKEN}`);
  if (init.body !== undefined) headers.set("content-type", "application/json");
  return app.request(`${API}${path}`, {
    method: init.method ?? "GET",
    headers,
    body:
      init.body === undefined
        ? undefined
        : typeof init.body === "string"
          ? init.body
          : JSON.stringify(init.body),
  });
};

const item = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  slug: `flag-${id}`,
  origin: `https://flags.example/f/${id}`,
  category: "flag",
  name: `Flag ${id}`,
  createdAt: 1_765_000_000_000,
  updatedAt: 1_765_000_000_000,
  ...extra,
});

const pushConfig = (data: unknown, path = "global-config", headers?: Record<string, string>) =>
  call(`${SYNCED}/${path}`, { method: "PUT", body: { data }, headers });

async function errorOf(response: Response, status: number): Promise<ErrorBody["error"]> {
  expect(response.status).toBe(status);
  return ErrorBody.parse(await response.json()).error;
}

const lastCall = () => recorder.list().at(-1);

describe("experimentation items (spec §5.18)", () => {
  it("keeps posted items (204) and replaces an item whose id is posted again", async () => {
    expect(
      (await call(`${SYNCED}/items`, { method: "POST", body: { items: [item("a"), item("b")] } }))
        .status,
    ).toBe(204);
    const again = await call(`${SYNCED}/items`, {
      method: "POST",
      body: { items: [item("a", { name: "Renamed", isArchived: true })] },
    });
    expect(again.status).toBe(204);
    expect(store.experimentationItemsOf("flags_1")).toEqual([
      item("a", { name: "Renamed", isArchived: true }),
      item("b"),
    ]);
  });

  it("refuses an invalid body with 400 naming each bad field, and records the refusal", async () => {
    const response = await call(`${SYNCED}/items`, {
      method: "POST",
      body: { items: [{ id: "a", origin: "x".repeat(2049), category: "toggle" }] },
    });
    const error = await errorOf(response, 400);
    expect(error.code).toBe("bad_request");
    expect(error.fields?.map((field) => field.key)).toEqual([
      "items[0].slug",
      "items[0].origin",
      "items[0].category",
    ]);
    expect(store.experimentationItemsOf("flags_1")).toEqual([]);
    expect(lastCall()).toMatchObject({ method: "POST", status: 400, installationId: "icfg_flags" });

    const empty = await errorOf(
      await call(`${SYNCED}/items`, { method: "POST", body: { items: [] } }),
      400,
    );
    expect(empty.fields?.[0]?.key).toBe("items");
    expect((await call(`${SYNCED}/items`, { method: "POST", body: "{not json" })).status).toBe(400);
  });

  it("accepts times in seconds but records a warning that Vercel reads them as 1970", async () => {
    const response = await call(`${SYNCED}/items`, {
      method: "POST",
      body: { items: [item("a"), item("b", { createdAt: 1_765_000_000 })] },
    });
    expect(response.status).toBe(204);
    expect(lastCall()?.warnings).toEqual([
      "`items[1].createdAt` 1765000000 reads as 1970-01-21: Vercel expects epoch milliseconds, not seconds",
    ]);
    expect(warnings).toEqual([expect.stringContaining("items[1].createdAt")]);

    await call(`${SYNCED}/items/a`, {
      method: "PATCH",
      body: { slug: "flag-a", origin: "https://flags.example/f/a", updatedAt: 1_765_000_100 },
    });
    expect(lastCall()?.warnings).toEqual([expect.stringMatching(/^`updatedAt` 1765000100/)]);
  });

  it("updates an item with PATCH (204) and deletes it with DELETE (204); an unknown item is 404", async () => {
    await call(`${SYNCED}/items`, { method: "POST", body: { items: [item("a")] } });
    const patched = await call(`${SYNCED}/items/a`, {
      method: "PATCH",
      body: { slug: "flag-a", origin: "https://flags.example/f/a", isArchived: true },
    });
    expect(patched.status).toBe(204);
    expect(store.experimentationItemsOf("flags_1")).toEqual([item("a", { isArchived: true })]);

    const unknownPatch = await call(`${SYNCED}/items/zzz`, {
      method: "PATCH",
      body: { slug: "flag-z", origin: "https://flags.example/f/z" },
    });
    expect((await errorOf(unknownPatch, 404)).message).toContain("zzz");
    const incomplete = await call(`${SYNCED}/items/a`, {
      method: "PATCH",
      body: { slug: "flag-a" },
    });
    expect((await errorOf(incomplete, 400)).fields?.[0]?.key).toBe("origin");

    expect((await call(`${SYNCED}/items/a`, { method: "DELETE" })).status).toBe(204);
    expect(store.experimentationItemsOf("flags_1")).toEqual([]);
    expect((await call(`${SYNCED}/items/a`, { method: "DELETE" })).status).toBe(404);
  });

  it("answers 404 for an unknown or deleted resource, 401 without a known token, 403 for another installation", async () => {
    const body = { items: [item("a")] };
    const unknown = "/v1/installations/icfg_flags/resources/nope/experimentation/items";
    expect((await call(unknown, { method: "POST", body })).status).toBe(404);
    synced.deleted = true;
    expect((await call(`${SYNCED}/items`, { method: "POST", body })).status).toBe(404);
    expect(
      (await call(`${SYNCED}/items`, { method: "POST", body, token: "vat_nope" })).status,
    ).toBe(401);
    expect(
      (await call(`${SYNCED}/items`, { method: "POST", body, token: OTHER_TOKEN })).status,
    ).toBe(403);
  });
});

describe("the flags configuration (global-config and edge-config)", () => {
  it("answers a push with the configuration, its digest and time, under either name, one state", async () => {
    const before = Date.now();
    const response = await pushConfig({ "new-checkout": { enabled: true }, version: 1 });
    expect(response.status).toBe(200);
    const pushed = FlagsConfigState.parse(await response.json());
    expect(pushed).toMatchObject({
      items: { "new-checkout": { enabled: true }, version: 1 },
      purpose: "flags",
    });
    expect(pushed.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(pushed.updatedAt).toBeGreaterThanOrEqual(before);
    expect(response.headers.get("etag")).toBe(`"${pushed.digest}"`);
    expect(store.flagsConfigs.get("flags_1")?.path).toBe("global-config");

    const older = await call(`${SYNCED}/edge-config`);
    expect(await older.json()).toEqual(pushed);

    const viaOlder = await pushConfig({ version: 2 }, "edge-config");
    expect(viaOlder.status).toBe(200);
    expect(store.flagsConfigs.get("flags_1")?.path).toBe("edge-config");
    const current = FlagsConfigState.parse(await (await call(`${SYNCED}/global-config`)).json());
    expect(current.items).toEqual({ version: 2 });
  });

  it("gives the same digest whatever the key order, and another one for other content", async () => {
    const first = FlagsConfigState.parse(
      await (await pushConfig({ a: 1, b: { c: 2, d: 3 } })).json(),
    );
    const reordered = FlagsConfigState.parse(
      await (await pushConfig({ b: { d: 3, c: 2 }, a: 1 })).json(),
    );
    const changed = FlagsConfigState.parse(await (await pushConfig({ a: 1, b: { c: 2 } })).json());
    expect(reordered.digest).toBe(first.digest);
    expect(changed.digest).not.toBe(first.digest);
  });

  it("answers an empty configuration before the first push", async () => {
    const response = await call(`${SYNCED}/global-config`);
    expect(response.status).toBe(200);
    expect(FlagsConfigState.parse(await response.json())).toMatchObject({
      items: {},
      updatedAt: synced.edgeConfig?.createdAt,
    });
  });

  it("answers GET and HEAD with 304 when If-None-Match names the digest, and HEAD without a body", async () => {
    const { digest } = FlagsConfigState.parse(await (await pushConfig({ on: true })).json());
    for (const tag of [digest, `"${digest}"`, `W/"${digest}"`, `"old", "${digest}"`]) {
      const notModified = await call(`${SYNCED}/global-config`, {
        headers: { "if-none-match": tag },
      });
      expect(notModified.status, tag).toBe(304);
      expect(await notModified.text()).toBe("");
    }
    const stale = await call(`${SYNCED}/edge-config`, { headers: { "if-none-match": '"old"' } });
    expect(stale.status).toBe(200);

    const head = await call(`${SYNCED}/global-config`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("etag")).toBe(`"${digest}"`);
    expect(await head.text()).toBe("");
    const headNotModified = await call(`${SYNCED}/edge-config`, {
      method: "HEAD",
      headers: { "if-none-match": `"${digest}"` },
    });
    expect(headNotModified.status).toBe(304);
  });

  it("refuses a push whose If-Match is not the current digest with 412, leaving the configuration", async () => {
    const { digest } = FlagsConfigState.parse(await (await pushConfig({ version: 1 })).json());
    const conflict = await pushConfig({ version: 2 }, "global-config", { "if-match": '"stale"' });
    expect((await errorOf(conflict, 412)).code).toBe("precondition_failed");
    expect(store.flagsConfigs.get("flags_1")?.items).toEqual({ version: 1 });

    const matching = await pushConfig({ version: 2 }, "edge-config", { "if-match": `"${digest}"` });
    expect(matching.status).toBe(200);
    expect(store.flagsConfigs.get("flags_1")?.items).toEqual({ version: 2 });
  });

  it("refuses a configuration that is not an object of JSON values with 400", async () => {
    for (const body of [{}, { data: [1, 2] }, { data: "flags" }]) {
      const response = await call(`${SYNCED}/global-config`, { method: "PUT", body });
      expect((await errorOf(response, 400)).fields?.[0]?.key, JSON.stringify(body)).toBe("data");
    }
    expect(store.flagsConfigs.has("flags_1")).toBe(false);
  });

  it("answers 404 under both names for a resource whose flags do not sync, but takes its items", async () => {
    for (const name of ["global-config", "edge-config"]) {
      const put = await call(`${UNSYNCED}/${name}`, { method: "PUT", body: { data: { a: 1 } } });
      expect((await errorOf(put, 404)).message).toContain("edgeConfigId");
      expect((await call(`${UNSYNCED}/${name}`)).status).toBe(404);
    }
    const items = await call(`${UNSYNCED}/items`, { method: "POST", body: { items: [item("a")] } });
    expect(items.status).toBe(204);
  });

  it("works through @vercel/sdk's own functions", async () => {
    const httpClient = new HTTPClient({
      fetcher: (input, init) => Promise.resolve(app.fetch(new Request(input, init))),
    });
    const sdk = new VercelCore({ serverURL: API, bearerToken: TOKEN, httpClient });
    const ids = { integrationConfigurationId: "icfg_flags", resourceId: "flags_1" };
    const created = await marketplaceCreateInstallationIntegrationConfiguration(sdk, {
      ...ids,
      requestBody: { items: [{ id: "a", slug: "flag-a", origin: "https://flags.example/f/a" }] },
    });
    expect(created.ok).toBe(true);
    const replaced =
      await marketplaceReplaceInstallationsByIntegrationConfigurationIdResourcesByResourceIdExperimentationGlobalConfig(
        sdk,
        { ...ids, requestBody: { data: { a: true } } },
      );
    if (!replaced.ok) throw replaced.error;
    const read =
      await marketplaceGetInstallationsByIntegrationConfigurationIdResourcesByResourceIdExperimentationGlobalConfig(
        sdk,
        ids,
      );
    if (!read.ok) throw read.error;
    expect(read.value).toEqual(replaced.value);
    expect(read.value?.items).toEqual({ a: true });
  });
});

describe("the state file", () => {
  it("keeps items and the configuration across a restart, and reads a file written before them", async () => {
    await call(`${SYNCED}/items`, { method: "POST", body: { items: [item("a")] } });
    await pushConfig({ version: 3 }, "edge-config");
    const restarted = new VercelApiState();
    restarted.restore(JSON.parse(JSON.stringify(store.snapshot())));
    expect(restarted.experimentationItemsOf("flags_1")).toEqual([item("a")]);
    expect(restarted.flagsConfigs.get("flags_1")).toEqual(store.flagsConfigs.get("flags_1"));

    const { experimentationItems: _items, flagsConfigs: _configs, ...older } = store.snapshot();
    const fromOlder = new VercelApiState();
    fromOlder.restore(older as VercelApiSnapshot);
    expect(fromOlder.flagsConfigs.size).toBe(0);
  });
});

describe("the provisioning-delay fault", () => {
  it("answers experimentation calls 409 until the window after provisioning has passed", async () => {
    faults.add(provisioningNotFinished(60_000));
    synced.provisionedAt = Date.now();
    const early = await pushConfig({ a: 1 });
    expect((await errorOf(early, 409)).code).toBe("provisioning_not_finished");
    const earlyItems = await call(`${SYNCED}/items`, {
      method: "POST",
      body: { items: [item("a")] },
    });
    expect(earlyItems.status).toBe(409);
    expect(store.flagsConfigs.has("flags_1")).toBe(false);
    // The resource's other endpoints answer as usual meanwhile.
    const resource = await call("/v1/installations/icfg_flags/resources/flags_1", {
      method: "PATCH",
      body: { name: "renamed" },
    });
    expect(resource.status).toBe(200);

    synced.provisionedAt = Date.now() - 61_000;
    expect((await pushConfig({ a: 1 })).status).toBe(200);
  });

  it("counts from the Edge Config made when syncing was turned on later, and can answer 404", async () => {
    faults.add(provisioningNotFinished(60_000, 404));
    expect((await pushConfig({ a: 1 })).status).toBe(200);
    synced.edgeConfig = newEdgeConfig();
    expect((await errorOf(await pushConfig({ a: 2 }), 404)).code).toBe("provisioning_not_finished");
  });
});
