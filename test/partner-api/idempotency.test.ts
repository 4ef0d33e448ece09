import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { acmeKvPlans } from "../../examples/acme-kv/src/plans.ts";
import {
  defineIntegration,
  defineProduct,
} from "../../packages/partnerkit/src/core/define-integration.ts";
import { requestFingerprint } from "../../packages/partnerkit/src/http/idempotency.ts";
import { ProvisionResourceResponse } from "../../packages/partnerkit/src/protocol/resources.ts";
import { readBody, readError } from "../support/bodies.ts";
import {
  createTestPartner,
  install,
  provisionBody,
  type TestPartner,
} from "../support/partner-app.ts";

let partner: TestPartner;
afterEach(() => partner.close());

const RESOURCES = "/v1/installations/icfg_1/resources";

/** A product whose provision hook is slow and counts its calls, to observe doubled effects. */
function slowProduct(calls: { count: number }, delayMs: number, failFirst = false) {
  return defineIntegration({
    products: [
      defineProduct({
        id: "acme-kv",
        metadata: z.object({ region: z.string() }),
        plans: acmeKvPlans,
        async provision() {
          calls.count += 1;
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          if (failFirst && calls.count === 1) throw new Error("provider backend unavailable");
          return { secrets: [{ name: "KV_REST_API_TOKEN", value: `token-${calls.count}` }] };
        },
      }),
    ],
  });
}

const withKey = (key: string) => ({ "idempotency-key": key });

describe("Idempotency-Key", () => {
  it("replays the stored status and body of a repeat without running it again", async () => {
    const calls = { count: 0 };
    partner = await createTestPartner({ integration: () => slowProduct(calls, 0) });
    await install(partner);
    const first = await partner.call("POST", RESOURCES, {
      body: provisionBody(),
      headers: withKey("k1"),
    });
    const second = await partner.call("POST", RESOURCES, {
      body: provisionBody(),
      headers: withKey("k1"),
    });
    expect(second.status).toBe(first.status);
    expect(await second.text()).toBe(await first.text());
    expect(calls.count).toBe(1);
    expect(await partner.store.listResources("icfg_1")).toHaveLength(1);
  });

  it("treats a repeat with keys in another order as the same request", async () => {
    const calls = { count: 0 };
    partner = await createTestPartner({ integration: () => slowProduct(calls, 0) });
    await install(partner);
    const body = provisionBody();
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    await partner.call("POST", RESOURCES, { body, headers: withKey("k1") });
    const repeat = await partner.call("POST", RESOURCES, {
      body: reordered,
      headers: withKey("k1"),
    });
    expect(repeat.status).toBe(200);
    expect(calls.count).toBe(1);
  });

  it("refuses the same key with a different body", async () => {
    partner = await createTestPartner();
    await install(partner);
    await partner.call("POST", RESOURCES, { body: provisionBody(), headers: withKey("k1") });
    const reused = await partner.call("POST", RESOURCES, {
      body: provisionBody({ name: "other" }),
      headers: withKey("k1"),
    });
    expect(reused.status).toBe(422);
    expect((await readError(reused)).code).toBe("idempotency_key_reused");
    expect(await partner.store.listResources("icfg_1")).toHaveLength(1);
  });

  it("runs concurrent requests with one key exactly once and answers all the same", async () => {
    const calls = { count: 0 };
    partner = await createTestPartner({ integration: () => slowProduct(calls, 150) });
    await install(partner);
    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        partner.call("POST", RESOURCES, { body: provisionBody(), headers: withKey("c1") }),
      ),
    );
    const bodies = await Promise.all(responses.map((response) => response.text()));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(bodies).size).toBe(1);
    expect(calls.count).toBe(1);
    expect(await partner.store.listResources("icfg_1")).toHaveLength(1);
  });

  it("does not store a 5xx, so the retry runs afresh", async () => {
    const calls = { count: 0 };
    partner = await createTestPartner({ integration: () => slowProduct(calls, 0, true) });
    await install(partner);
    const failed = await partner.call("POST", RESOURCES, {
      body: provisionBody(),
      headers: withKey("k1"),
    });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({
      error: { code: "internal_error", message: "Internal server error" },
    });
    const retried = await partner.call("POST", RESOURCES, {
      body: provisionBody(),
      headers: withKey("k1"),
    });
    expect(retried.status).toBe(200);
    expect(calls.count).toBe(2);
  });

  it("scopes keys to the route: the same key on another path is another request", async () => {
    partner = await createTestPartner();
    await install(partner);
    const created = await partner.call("POST", RESOURCES, {
      body: provisionBody(),
      headers: withKey("k1"),
    });
    const { id } = await readBody(created, ProvisionResourceResponse);
    const deleted = await partner.call("DELETE", `${RESOURCES}/${id}`, { headers: withKey("k1") });
    expect(deleted.status).toBe(204);
    const replayedDelete = await partner.call("DELETE", `${RESOURCES}/${id}`, {
      headers: withKey("k1"),
    });
    expect(replayedDelete.status).toBe(204);
    expect(replayedDelete.headers.get("idempotent-replayed")).toBe("true");
  });

  it("keeps stored responses encrypted: provision secrets are not in the table", async () => {
    partner = await createTestPartner();
    await install(partner);
    const created = await partner.call("POST", RESOURCES, {
      body: provisionBody(),
      headers: withKey("k1"),
    });
    const token =
      (await readBody(created, ProvisionResourceResponse)).secrets[1]?.value ?? "missing";
    const rows = await partner.database.kysely
      .withTables<{ idempotency_keys: { response_body: string | null } }>()
      .selectFrom("idempotency_keys")
      .select("response_body")
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.response_body).not.toContain(token);
  });

  it("lets a new request take over a key whose holder crashed once the lease ran out", async () => {
    partner = await createTestPartner({ app: { idempotency: { leaseMs: 50, waitMs: 2_000 } } });
    await install(partner);
    const body = JSON.stringify(provisionBody());
    // A claim left behind by a process that died mid-request.
    const claim = await partner.store.claimIdempotencyKey(
      {
        installationId: "icfg_1",
        method: "POST",
        path: RESOURCES,
        key: "k1",
        requestHash: requestFingerprint(body),
        callerAccount: "acct_1",
      },
      50,
      "crashed-request",
    );
    expect(claim.outcome).toBe("claimed");
    // The retry waits while the lease holds, then takes the key over and runs once.
    const retry = await partner.call("POST", RESOURCES, { body, headers: withKey("k1") });
    expect(retry.status).toBe(200);
    expect(await partner.store.listResources("icfg_1")).toHaveLength(1);
  });

  it("renews the claim of a request that outlives its lease, so a retry does not run it again", async () => {
    const calls = { count: 0 };
    partner = await createTestPartner({
      integration: () => slowProduct(calls, 1_200),
      app: { idempotency: { leaseMs: 300, waitMs: 5_000 } },
    });
    await install(partner);
    const first = partner.call("POST", RESOURCES, {
      body: provisionBody(),
      headers: withKey("k1"),
    });
    // Past the first lease: without renewal the retry would take the key over and run again.
    await sleep(500);
    const retry = await partner.call("POST", RESOURCES, {
      body: provisionBody(),
      headers: withKey("k1"),
    });
    const original = await first;
    expect(original.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await retry.text()).toBe(await original.text());
    expect(calls.count).toBe(1);
    expect(await partner.store.listResources("icfg_1")).toHaveLength(1);
  });

  it("answers a repeat 409 while the first run outlasts the wait, and the stored answer after", async () => {
    const calls = { count: 0 };
    partner = await createTestPartner({
      integration: () => slowProduct(calls, 1_200),
      app: { idempotency: { leaseMs: 300, waitMs: 300 } },
    });
    await install(partner);
    const first = partner.call("POST", RESOURCES, {
      body: provisionBody(),
      headers: withKey("k1"),
    });
    await sleep(500);
    const early = await partner.call("POST", RESOURCES, {
      body: provisionBody(),
      headers: withKey("k1"),
    });
    expect(early.status).toBe(409);
    expect(await early.json()).toEqual({
      error: {
        code: "conflict",
        message: "A request with this Idempotency-Key is still being processed",
      },
    });
    const original = await first;
    expect(original.status).toBe(200);
    const late = await partner.call("POST", RESOURCES, {
      body: provisionBody(),
      headers: withKey("k1"),
    });
    expect(late.status).toBe(200);
    expect(late.headers.get("idempotent-replayed")).toBe("true");
    expect(await late.text()).toBe(await original.text());
    expect(calls.count).toBe(1);
  });

  it("lets only the claim's owner renew, complete or release it", async () => {
    partner = await createTestPartner();
    const request = {
      installationId: "icfg_1",
      method: "POST",
      path: RESOURCES,
      key: "k1",
      requestHash: requestFingerprint("{}"),
      callerAccount: "acct_1",
    };
    const { store } = partner;
    expect((await store.claimIdempotencyKey(request, 30, "first")).outcome).toBe("claimed");
    await sleep(60);
    // The first owner stalled past its lease; a retry took the key over.
    expect((await store.claimIdempotencyKey(request, 60_000, "second")).outcome).toBe("claimed");

    // The first owner's late failure and late answer leave the second's claim alone.
    expect(await store.renewIdempotencyKey(request, "first", 60_000)).toBe(false);
    await store.releaseIdempotencyKey(request, "first");
    await store.completeIdempotencyKey(request, "first", { status: 200, body: '{"from":"first"}' });
    expect((await store.claimIdempotencyKey(request, 60_000, "third")).outcome).toBe("in_progress");

    expect(await store.renewIdempotencyKey(request, "second", 60_000)).toBe(true);
    await store.completeIdempotencyKey(request, "second", {
      status: 200,
      body: '{"from":"second"}',
    });
    expect(await store.claimIdempotencyKey(request, 60_000, "third")).toEqual({
      outcome: "replay",
      response: { status: 200, body: '{"from":"second"}' },
    });
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
