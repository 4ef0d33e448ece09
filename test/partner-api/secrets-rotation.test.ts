import { afterEach, describe, expect, it, vi } from "vitest";
import { acmeKvIntegration } from "../../examples/acme-kv/src/integration.ts";
import {
  defineIntegration,
  type Product,
} from "../../packages/partnerkit/src/core/define-integration.ts";
import { ProvisionResourceResponse } from "../../packages/partnerkit/src/protocol/resources.ts";
import { RotateSecretsResponse } from "../../packages/partnerkit/src/protocol/secrets-rotation.ts";
import { readBody, readError } from "../support/bodies.ts";
import {
  createTestPartner,
  install,
  PUBLIC_URL,
  provisionBody,
  type TestPartner,
} from "../support/partner-app.ts";
import { failTransaction } from "../support/store.ts";
import { emulatedVercelApi } from "../support/vercel-fake.ts";

let partner: TestPartner;
let vercel: Awaited<ReturnType<typeof emulatedVercelApi>>;
afterEach(async () => {
  vi.useRealTimers();
  await partner.close();
});

const HOUR = 60 * 60_000;
let hookCalls = 0;
/** While set, the rotate hook waits for it: a rotation held in flight. */
let hold: Promise<void> | undefined;

/** Acme KV, with its rotation made asynchronous when asked. */
async function setup(options: { async?: boolean } = {}) {
  hookCalls = 0;
  vercel = await emulatedVercelApi();
  partner = await createTestPartner({
    integration: (kv) => {
      const acme = acmeKvIntegration({ kv, publicUrl: PUBLIC_URL }).product("acme-kv") as Product;
      const rotation = acme.secretsRotation;
      if (!rotation) throw new Error("Acme KV rotates secrets");
      return defineIntegration({
        products: [
          {
            ...acme,
            // Acme KV re-issues its token on a transfer; here only rotation may change secrets.
            onTransfer: undefined,
            secretsRotation: {
              ...rotation,
              async: options.async,
              rotate: async (...args) => {
                hookCalls += 1;
                await hold;
                return rotation.rotate(...args);
              },
            },
          },
        ],
      });
    },
    services: {
      vercel: {
        baseUrl: "https://api.vercel.test",
        fetch: vercel.fetch,
        retry: { initialIntervalMs: 1, maxIntervalMs: 5, maxElapsedMs: 100 },
      },
    },
  });
  await install(partner);
  const created = await partner.call("POST", "/v1/installations/icfg_1/resources", {
    body: provisionBody(),
  });
  const resource = await readBody(created, ProvisionResourceResponse);
  vercel.knowResource(resource);
  return { resource, token: secretValue(resource.secrets, "KV_REST_API_TOKEN") };
}

function secretValue(secrets: { name: string; value: string }[], name: string): string {
  const secret = secrets.find((candidate) => candidate.name === name);
  if (!secret) throw new Error(`no secret ${name}`);
  return secret.value;
}

const rotatePath = (resourceId: string) =>
  `/v1/installations/icfg_1/resources/${resourceId}/secrets/rotate`;

/** Status of a data-plane read of the resource with `token`. */
async function kvStatus(resourceId: string, token: string): Promise<number> {
  const response = await partner.app.request(`/kv/${resourceId}/`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return response.status;
}

/** Moves a resource with a claim created on `from` and accepted on `to` (spec §4.16). */
async function transfer(resourceId: string, from: string, to: string): Promise<void> {
  const created = await partner.call(
    "POST",
    `/v1/installations/${from}/resource-transfer-requests`,
    {
      auth: "system",
      installationId: from,
      body: { resourceIds: [resourceId], expiresAt: Date.now() + HOUR },
    },
  );
  const { providerClaimId } = (await created.json()) as { providerClaimId: string };
  const accepted = await partner.call(
    "POST",
    `/v1/installations/${to}/resource-transfer-requests/${providerClaimId}/accept`,
    { auth: "system", installationId: to },
  );
  expect(accepted.status).toBe(204);
}

function useClock(): (ms: number) => void {
  vi.useFakeTimers({ toFake: ["Date"] });
  let now = Date.now();
  vi.setSystemTime(now);
  return (ms) => {
    now += ms;
    vi.setSystemTime(now);
  };
}

/**
 * Starts a rotation whose hook is held, and checks that another rotation of the resource is
 * refused meanwhile. `release` lets the held hook go on; hooks started later wait too until `hold`
 * is cleared.
 */
async function heldRotation(resourceId: string) {
  let release = () => {};
  hold = new Promise((resolve) => {
    release = resolve;
  });
  const request = partner.call("POST", rotatePath(resourceId), { body: {} });
  await vi.waitFor(() => expect(hookCalls).toBe(1));
  expect((await partner.call("POST", rotatePath(resourceId), { body: {} })).status).toBe(409);
  return { request, release };
}

describe("POST …/secrets/rotate, synchronous (spec §4.10)", () => {
  it("answers the new token, keeps the old one working for the grace period, then revokes it", async () => {
    const advance = useClock();
    const { resource, token: oldToken } = await setup();
    const response = await partner.call("POST", rotatePath(resource.id), {
      body: { reason: "leaked in a log", delayOldSecretsExpirationHours: 1 },
    });
    expect(response.status).toBe(200);
    const answer = await readBody(response, RotateSecretsResponse);
    if (!answer.sync) throw new Error("expected a synchronous answer");
    expect(answer.partial).toBe(true);
    expect(answer.secrets.map((secret) => secret.name)).toEqual(["KV_REST_API_TOKEN"]);
    const newToken = secretValue(answer.secrets, "KV_REST_API_TOKEN");
    expect(newToken).not.toBe(oldToken);

    // Stored: the new token replaces the old one, the URL is kept.
    const stored = await partner.store.resourceSecrets(resource.id);
    expect(secretValue(stored, "KV_REST_API_TOKEN")).toBe(newToken);
    expect(secretValue(stored, "KV_REST_API_URL")).toBe(`${PUBLIC_URL}/kv/${resource.id}`);

    await partner.jobs.drain();
    expect(await kvStatus(resource.id, newToken)).toBe(200);
    expect(await kvStatus(resource.id, oldToken)).toBe(200);

    advance(HOUR - 60_000);
    await partner.jobs.drain();
    expect(await kvStatus(resource.id, oldToken)).toBe(200);

    advance(2 * 60_000);
    await partner.jobs.drain();
    expect(await kvStatus(resource.id, oldToken)).toBe(401);
    expect(await kvStatus(resource.id, newToken)).toBe(200);
    // Sync mode: Vercel takes the secrets from the answer, nothing is pushed.
    expect(vercel.calls()).toEqual([]);
  });

  it("still revokes the old token at the end of the grace period after a transfer moved the resource", async () => {
    const advance = useClock();
    const { resource, token: oldToken } = await setup();
    await install(partner, "icfg_2");
    const rotated = await partner.call("POST", rotatePath(resource.id), {
      body: { delayOldSecretsExpirationHours: 1 },
    });
    const answer = await readBody(rotated, RotateSecretsResponse);
    if (!answer.sync) throw new Error("expected a synchronous answer");
    await transfer(resource.id, "icfg_1", "icfg_2");

    advance(HOUR + 60_000);
    await partner.jobs.drain();
    expect(await kvStatus(resource.id, oldToken)).toBe(401);
    expect(await kvStatus(resource.id, secretValue(answer.secrets, "KV_REST_API_TOKEN"))).toBe(200);
    expect(await partner.store.listJobs({ status: "dead" })).toEqual([]);
  });

  it("without a grace period revokes the old token at once", async () => {
    const { resource, token } = await setup();
    const response = await partner.call("POST", rotatePath(resource.id), { body: {} });
    expect(response.status).toBe(200);
    await partner.jobs.drain();
    expect(await kvStatus(resource.id, token)).toBe(401);
  });

  it("refuses a rotation with 409 while another one of the resource is in flight", async () => {
    const { resource, token } = await setup();
    const first = await heldRotation(resource.id);
    first.release();
    hold = undefined;
    expect((await first.request).status).toBe(200);
    expect(hookCalls).toBe(1);
    await partner.jobs.drain();
    expect(await kvStatus(resource.id, token)).toBe(401);
  });

  it("a request that died mid-hook: once its job ran the rotation failed, and the next is accepted", async () => {
    const advance = useClock();
    const { resource, token } = await setup();
    // Never answered: as if the process had died while the hook ran.
    const abandoned = await heldRotation(resource.id);

    advance(5 * 60_000 + 1_000);
    await partner.jobs.drain();
    expect(await partner.store.rotations.unfinished(resource.id)).toBeUndefined();
    // The hook that outlived its request finishes: its secrets are not stored.
    hold = undefined;
    abandoned.release();
    expect((await abandoned.request).status).toBe(500);
    const stored = await partner.store.resourceSecrets(resource.id);
    expect(secretValue(stored, "KV_REST_API_TOKEN")).toBe(token);
    expect(await kvStatus(resource.id, token)).toBe(200);

    expect((await partner.call("POST", rotatePath(resource.id), { body: {} })).status).toBe(200);
    expect(hookCalls).toBe(2);
    expect(vercel.calls()).toEqual([]);
  });

  it("a request that died mid-hook: once it stopped renewing its rotation, the next request settles it and rotates", async () => {
    const advance = useClock();
    const { resource, token } = await setup();
    // Never answered: as if the process had died while the hook ran.
    const abandoned = await heldRotation(resource.id);

    // Vercel's retry comes once the request's idempotency claim ran out (60 s), long after the
    // rotation was last renewed: waiting 5 minutes for the recovery job is not needed.
    advance(60_000);
    hold = undefined;
    const retried = await partner.call("POST", rotatePath(resource.id), { body: {} });
    expect(retried.status).toBe(200);
    const answer = await readBody(retried, RotateSecretsResponse);
    if (!answer.sync) throw new Error("expected a synchronous answer");
    const newToken = secretValue(answer.secrets, "KV_REST_API_TOKEN");
    expect(newToken).not.toBe(token);
    expect(hookCalls).toBe(2);
    // The hook that outlived its request finishes: its secrets are not stored.
    abandoned.release();
    expect((await abandoned.request).status).toBe(500);
    const stored = await partner.store.resourceSecrets(resource.id);
    expect(secretValue(stored, "KV_REST_API_TOKEN")).toBe(newToken);
    expect(await kvStatus(resource.id, newToken)).toBe(200);
  });

  it("a request that died after storing the new secrets: its job sends them to Vercel", async () => {
    const advance = useClock();
    const { resource, token: oldToken } = await setup();
    // The insert and the hook's secrets commit; completing the rotation does not.
    failTransaction(partner.store, 2);
    const failed = await partner.call("POST", rotatePath(resource.id), { body: {} });
    expect(failed.status).toBe(500);
    const newToken = secretValue(
      await partner.store.resourceSecrets(resource.id),
      "KV_REST_API_TOKEN",
    );
    expect(newToken).not.toBe(oldToken);
    expect((await partner.call("POST", rotatePath(resource.id), { body: {} })).status).toBe(409);

    advance(5 * 60_000 + 1_000);
    await partner.jobs.drain();
    expect(vercel.calls().map((call) => [call.method, call.status])).toEqual([["PUT", 201]]);
    expect(secretValue(vercel.secrets(resource.id), "KV_REST_API_TOKEN")).toBe(newToken);
    await partner.jobs.drain();
    expect(await kvStatus(resource.id, oldToken)).toBe(401);
    expect((await partner.call("POST", rotatePath(resource.id), { body: {} })).status).toBe(200);
    expect(hookCalls).toBe(2);
  });

  it("accepts an empty body and a system token (Vercel-initiated rotation)", async () => {
    const { resource } = await setup();
    const response = await partner.call("POST", rotatePath(resource.id), { auth: "system" });
    expect(response.status).toBe(200);
  });

  it("refuses a USER-role member with 403 and rotates nothing", async () => {
    const { resource, token } = await setup();
    const response = await partner.call("POST", rotatePath(resource.id), {
      auth: "viewer",
      body: {},
    });
    expect(response.status).toBe(403);
    expect((await readError(response)).code).toBe("insufficient_role");
    expect(secretValue(await partner.store.resourceSecrets(resource.id), "KV_REST_API_TOKEN")).toBe(
      token,
    );
  });

  it("answers 400 naming the field for a grace period beyond 720 hours", async () => {
    const { resource } = await setup();
    const response = await partner.call("POST", rotatePath(resource.id), {
      body: { delayOldSecretsExpirationHours: 721 },
    });
    expect(response.status).toBe(400);
    expect((await readError(response)).fields?.[0]?.key).toBe("delayOldSecretsExpirationHours");
  });

  it("answers 404 for a deleted resource and an unknown one", async () => {
    const { resource } = await setup();
    const deleted = await partner.call(
      "DELETE",
      `/v1/installations/icfg_1/resources/${resource.id}`,
    );
    expect(deleted.status).toBe(204);
    const response = await partner.call("POST", rotatePath(resource.id), { body: {} });
    expect(response.status).toBe(404);
    expect((await readError(response)).code).toBe("not_found");
    expect((await partner.call("POST", rotatePath("res_missing"), { body: {} })).status).toBe(404);
    expect(hookCalls).toBe(0);
  });

  it("answers 422 for a product that does not rotate secrets", async () => {
    vercel = await emulatedVercelApi();
    partner = await createTestPartner({
      integration: (kv) => {
        const { secretsRotation: _, ...acme } = acmeKvIntegration({
          kv,
          publicUrl: PUBLIC_URL,
        }).product("acme-kv") as Product;
        return defineIntegration({ products: [acme] });
      },
    });
    await install(partner);
    const created = await partner.call("POST", "/v1/installations/icfg_1/resources", {
      body: provisionBody(),
    });
    const resource = await readBody(created, ProvisionResourceResponse);
    const response = await partner.call("POST", rotatePath(resource.id), { body: {} });
    expect(response.status).toBe(422);
  });
});

describe("POST …/secrets/rotate, asynchronous (spec §4.10, §5.11)", () => {
  it("answers 202, rotates in a job and sends the new secrets to Vercel", async () => {
    const { resource, token: oldToken } = await setup({ async: true });
    const response = await partner.call("POST", rotatePath(resource.id), {
      body: { delayOldSecretsExpirationHours: 24 },
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ sync: false });
    expect(hookCalls).toBe(0);

    await partner.jobs.drain();
    expect(vercel.calls()).toEqual([
      {
        method: "PUT",
        path: `/v1/installations/icfg_1/resources/${resource.id}/secrets`,
        status: 201,
      },
    ]);
    const atVercel = vercel.secrets(resource.id);
    const newToken = secretValue(atVercel, "KV_REST_API_TOKEN");
    expect(newToken).not.toBe(oldToken);
    expect(secretValue(atVercel, "KV_REST_API_URL")).toBe(`${PUBLIC_URL}/kv/${resource.id}`);
    expect(await kvStatus(resource.id, newToken)).toBe(200);
    expect(await kvStatus(resource.id, oldToken)).toBe(200);
  });

  it("retries a failed push with the same secrets, without rotating twice", async () => {
    const advance = useClock();
    const { resource } = await setup({ async: true });
    vercel.faults.add({ method: "PUT", path: "/secrets", status: 409, times: 1 });
    await partner.call("POST", rotatePath(resource.id), { body: {} });

    await partner.jobs.drain();
    expect(vercel.calls().map((call) => call.status)).toEqual([409]);
    const [job] = await partner.store.listJobs({ kind: "secrets-rotation" });
    expect(job).toMatchObject({ status: "queued", attempts: 1 });

    advance(1_000);
    await partner.jobs.drain();
    expect(vercel.calls().map((call) => call.status)).toEqual([409, 201]);
    expect(hookCalls).toBe(1);
    const stored = secretValue(
      await partner.store.resourceSecrets(resource.id),
      "KV_REST_API_TOKEN",
    );
    expect(secretValue(vercel.secrets(resource.id), "KV_REST_API_TOKEN")).toBe(stored);
    expect(await kvStatus(resource.id, stored)).toBe(200);
  });

  it("refuses a second rotation while the first has not reached Vercel (409)", async () => {
    const { resource } = await setup({ async: true });
    expect((await partner.call("POST", rotatePath(resource.id), { body: {} })).status).toBe(202);
    const second = await partner.call("POST", rotatePath(resource.id), { body: {} });
    expect(second.status).toBe(409);
    await partner.jobs.drain();
    expect((await partner.call("POST", rotatePath(resource.id), { body: {} })).status).toBe(202);
  });

  it("sends the secrets through the new owner when a transfer moved the resource before the job ran", async () => {
    const { resource } = await setup({ async: true });
    await install(partner, "icfg_2");
    await partner.call("POST", rotatePath(resource.id), { body: {} });
    await transfer(resource.id, "icfg_1", "icfg_2");
    await partner.jobs.drain();
    expect(hookCalls).toBe(1);
    // The fake knows only icfg_1's token, so it refuses the push; which installation it names is the point.
    expect(vercel.calls()[0]).toMatchObject({
      method: "PUT",
      path: `/v1/installations/icfg_2/resources/${resource.id}/secrets`,
    });
  });

  it("drops the job without calling Vercel when the resource was deleted meanwhile", async () => {
    const { resource } = await setup({ async: true });
    await partner.call("POST", rotatePath(resource.id), { body: {} });
    await partner.call("DELETE", `/v1/installations/icfg_1/resources/${resource.id}`);
    await partner.jobs.drain();
    expect(hookCalls).toBe(0);
    expect(vercel.calls()).toEqual([]);
    expect(await partner.store.listJobs({ status: "dead" })).toEqual([]);
  });
});
