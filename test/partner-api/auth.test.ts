import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ErrorBody } from "../../packages/partnerkit/src/protocol/errors.ts";
import { readError } from "../support/bodies.ts";
import { TestIssuer } from "../support/issuer.ts";
import {
  type CallOptions,
  createTestPartner,
  install,
  installationBody,
  provisionBody,
  type TestPartner,
} from "../support/partner-app.ts";

let partner: TestPartner;
/** Its own RSA key, but the kid of the partner's trusted issuer. */
let attacker: TestIssuer;

beforeAll(async () => {
  attacker = await TestIssuer.create("test-key-1");
});
beforeEach(async () => {
  partner = await createTestPartner();
});
afterEach(() => partner.close());

/** Asserts the status and that the body is exactly the spec's error body (§3.3) with `code`. */
async function expectError(response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  const error = await readError(response);
  expect(error).toMatchObject({ code, message: expect.any(String) });
  expect(error.message).not.toBe("");
}

interface Provisioned {
  id: string;
  secrets: { name: string; value: string }[];
}

/** icfg_1 installed by acct_1 with one resource, through the public API. */
async function installWithResource(installationId = "icfg_1"): Promise<Provisioned> {
  await install(partner, installationId);
  const response = await partner.call("POST", `/v1/installations/${installationId}/resources`, {
    installationId,
    body: provisionBody(),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Provisioned;
}

/** Everything stored for an installation, to show that a refused call changed nothing. */
async function snapshot(installationId = "icfg_1") {
  return {
    installation: await partner.store.getInstallation(installationId),
    credentials: await partner.store.installationCredentials(installationId),
    resources: await partner.store.listResources(installationId),
  };
}

function kvToken(resource: Provisioned): string {
  const token = resource.secrets.find((secret) => secret.name === "KV_REST_API_TOKEN")?.value;
  if (!token) throw new Error("provisioned resource has no KV token");
  return token;
}

interface Attempt {
  name: string;
  method: string;
  /** `:rid` is replaced by the provisioned resource's id. */
  path: string;
  body?: unknown;
}

/** Every installation-scoped operation, reads and writes, with a body it would accept. */
const INSTALLATION_OPERATIONS: Attempt[] = [
  { name: "GET installation", method: "GET", path: "/v1/installations/icfg_1" },
  {
    name: "PUT installation",
    method: "PUT",
    path: "/v1/installations/icfg_1",
    body: installationBody({ credentials: { access_token: "stolen", token_type: "Bearer" } }),
  },
  {
    name: "PATCH installation",
    method: "PATCH",
    path: "/v1/installations/icfg_1",
    body: { billingPlanId: "pro" },
  },
  {
    name: "DELETE installation",
    method: "DELETE",
    path: "/v1/installations/icfg_1",
    body: { cascadeResourceDeletion: true },
  },
  { name: "GET installation plans", method: "GET", path: "/v1/installations/icfg_1/plans" },
  { name: "GET resources (list)", method: "GET", path: "/v1/installations/icfg_1/resources" },
  {
    name: "POST resources",
    method: "POST",
    path: "/v1/installations/icfg_1/resources",
    body: provisionBody({ name: "intruder" }),
  },
  { name: "GET resource", method: "GET", path: "/v1/installations/icfg_1/resources/:rid" },
  {
    name: "GET resource plans",
    method: "GET",
    path: "/v1/installations/icfg_1/resources/:rid/plans",
  },
  {
    name: "PATCH resource",
    method: "PATCH",
    path: "/v1/installations/icfg_1/resources/:rid",
    body: { name: "renamed", billingPlanId: "pro" },
  },
  { name: "DELETE resource", method: "DELETE", path: "/v1/installations/icfg_1/resources/:rid" },
];

function send(attempt: Attempt, resourceId: string, options: CallOptions): Promise<Response> {
  return partner.call(attempt.method, attempt.path.replace(":rid", resourceId), {
    ...options,
    ...(attempt.body !== undefined && { body: attempt.body }),
  });
}

describe("missing or malformed credentials", () => {
  it("answers 401 with the spec error body when Authorization is missing", async () => {
    const response = await partner.call("PUT", "/v1/installations/icfg_1", {
      auth: "none",
      body: installationBody(),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const body = await response.json();
    expect(body).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
    expect(await partner.store.getInstallation("icfg_1")).toBeUndefined();
  });

  it.each([
    ["GET", "/v1/installations/icfg_1"],
    ["DELETE", "/v1/installations/icfg_1"],
    ["POST", "/v1/installations/icfg_1/resources"],
    ["GET", "/v1/installations/icfg_1/resources/res_1"],
    ["GET", "/v1/products/acme-kv/plans"],
  ])("answers 401 without Authorization on %s %s", async (method, path) => {
    const response = await partner.call(method, path, { auth: "none" });
    await expectError(response, 401, "unauthorized");
  });

  it("refuses the Basic scheme", async () => {
    await install(partner);
    const before = await snapshot();
    const response = await partner.call("DELETE", "/v1/installations/icfg_1", {
      auth: "none",
      headers: { authorization: `Basic ${Buffer.from("admin:admin").toString("base64")}` },
    });
    await expectError(response, 401, "unauthorized");
    expect(await snapshot()).toEqual(before);
  });

  it("refuses a valid token sent with the Basic scheme", async () => {
    const token = await partner.issuer.userToken();
    const response = await partner.call("PUT", "/v1/installations/icfg_1", {
      auth: "none",
      headers: { authorization: `Basic ${token}`, "x-vercel-auth": "user" },
      body: installationBody(),
    });
    await expectError(response, 401, "unauthorized");
    expect(await partner.store.getInstallation("icfg_1")).toBeUndefined();
  });

  it.each([
    ["an empty Bearer", "Bearer "],
    ["Bearer alone", "Bearer"],
    ["two tokens", "Bearer aaa.bbb.ccc ddd.eee.fff"],
    ["characters outside base64url", "Bearer aaa.b$b.ccc"],
    ["a token over 16 KiB", `Bearer ${"a".repeat(17 * 1024)}`],
    ["a token without the scheme", "aaa.bbb.ccc"],
  ])("refuses %s", async (_name, authorization) => {
    const response = await partner.call("GET", "/v1/installations/icfg_1", {
      auth: "none",
      headers: { authorization },
    });
    await expectError(response, 401, "unauthorized");
  });

  it("refuses bad tokens with 401 and the verifier's reason, never a 5xx", async () => {
    await installWithResource();
    const before = await snapshot();
    const issuer = partner.issuer;
    const header = Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url");
    const claims = Buffer.from(
      JSON.stringify({
        iss: "https://marketplace.vercel.com",
        aud: "oac_test_integration",
        exp: Math.floor(Date.now() / 1000) + 300,
        account_id: "acct_1",
        installation_id: "icfg_1",
        user_id: "user_1",
        user_role: "ADMIN",
        sub: "account:acct_1:user:user_1",
      }),
    ).toString("base64url");
    const cases: [string, string][] = [
      ["garbage", "token_malformed"],
      ["a.b", "token_malformed"],
      ["a.b.c", "token_malformed"],
      ["x".repeat(15_000), "token_malformed"],
      [`${header}.${claims}.`, "algorithm_not_allowed"],
      [await issuer.userToken({}, { expiresInSeconds: -300 }), "token_expired"],
      [await issuer.userToken({}, { audience: "oac_other" }), "audience_invalid"],
      [await issuer.userToken({}, { issuer: "https://evil.example" }), "issuer_invalid"],
      [await issuer.userToken({}, { kid: "unknown-kid" }), "key_not_found"],
      [await issuer.userToken({}, { omitExpiry: true }), "claims_invalid"],
      [await issuer.userToken({ claims: { user_role: "OWNER" } }), "claims_invalid"],
      [await attacker.userToken(), "signature_invalid"],
    ];
    for (const [token, reason] of cases) {
      for (const method of ["GET", "DELETE"]) {
        const response = await partner.call(method, "/v1/installations/icfg_1", {
          auth: { token },
          body: method === "DELETE" ? { cascadeResourceDeletion: true } : undefined,
        });
        expect(response.status, `${method} with ${reason}`).toBe(401);
        await expectError(response, 401, reason);
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it("does not leak a stack trace or the token in the error message", async () => {
    const token = await attacker.userToken();
    const response = await partner.call("GET", "/v1/installations/icfg_1", { auth: { token } });
    const text = await response.text();
    expect(response.status).toBe(401);
    expect(text).not.toContain(token);
    expect(text).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe("read-only USER role (viewer)", () => {
  it("may read the installation, its plans and its resources", async () => {
    const resource = await installWithResource();
    for (const path of [
      "/v1/installations/icfg_1",
      "/v1/installations/icfg_1/plans",
      "/v1/installations/icfg_1/resources",
      `/v1/installations/icfg_1/resources/${resource.id}`,
      `/v1/installations/icfg_1/resources/${resource.id}/plans`,
    ]) {
      const response = await partner.call("GET", path, { auth: "viewer" });
      expect(response.status, path).toBe(200);
    }
    const get = await partner.call("GET", `/v1/installations/icfg_1/resources/${resource.id}`, {
      auth: "viewer",
    });
    expect(await get.json()).toMatchObject({ id: resource.id, name: "cache" });
  });

  it("may not provision a resource", async () => {
    await installWithResource();
    const before = await snapshot();
    const response = await partner.call("POST", "/v1/installations/icfg_1/resources", {
      auth: "viewer",
      body: provisionBody({ name: "viewer-made" }),
    });
    await expectError(response, 403, "insufficient_role");
    expect(await snapshot()).toEqual(before);
    expect(await partner.store.listResources("icfg_1")).toHaveLength(1);
  });

  it("gets the user-facing message with the refusal", async () => {
    await install(partner);
    const response = await partner.call("POST", "/v1/installations/icfg_1/resources", {
      auth: "viewer",
      body: provisionBody(),
    });
    expect(response.status).toBe(403);
    expect((await readError(response)).user?.message).toEqual(expect.any(String));
  });

  it("may not update a resource", async () => {
    const resource = await installWithResource();
    const before = await snapshot();
    const response = await partner.call(
      "PATCH",
      `/v1/installations/icfg_1/resources/${resource.id}`,
      { auth: "viewer", body: { name: "renamed", billingPlanId: "pro" } },
    );
    await expectError(response, 403, "insufficient_role");
    expect(await snapshot()).toEqual(before);
    const get = await partner.call("GET", `/v1/installations/icfg_1/resources/${resource.id}`, {
      auth: "system",
    });
    expect(await get.json()).toMatchObject({ name: "cache", billingPlan: { id: "free" } });
  });

  it("may not delete a resource", async () => {
    const resource = await installWithResource();
    const before = await snapshot();
    const response = await partner.call(
      "DELETE",
      `/v1/installations/icfg_1/resources/${resource.id}`,
      { auth: "viewer" },
    );
    await expectError(response, 403, "insufficient_role");
    expect(await snapshot()).toEqual(before);
    expect((await partner.store.getResource("icfg_1", resource.id))?.deletedAt).toBeNull();
    expect(await partner.kv.authorize(resource.id, kvToken(resource))).toBe(true);
  });

  it("may not change the installation plan", async () => {
    await installWithResource();
    const before = await snapshot();
    const response = await partner.call("PATCH", "/v1/installations/icfg_1", {
      auth: "viewer",
      body: { billingPlanId: "pro" },
    });
    await expectError(response, 403, "insufficient_role");
    expect(await snapshot()).toEqual(before);
    expect((await partner.store.getInstallation("icfg_1"))?.billingPlanId).not.toBe("pro");
  });

  it("may not uninstall", async () => {
    const resource = await installWithResource();
    const before = await snapshot();
    const response = await partner.call("DELETE", "/v1/installations/icfg_1", {
      auth: "viewer",
      body: { cascadeResourceDeletion: true },
    });
    await expectError(response, 403, "insufficient_role");
    expect(await snapshot()).toEqual(before);
    expect((await partner.store.getInstallation("icfg_1"))?.deletedAt).toBeNull();
    const get = await partner.call("GET", "/v1/installations/icfg_1", { auth: "system" });
    expect(get.status).toBe(200);
    expect(await partner.kv.authorize(resource.id, kvToken(resource))).toBe(true);
  });

  it("may not overwrite the installation credentials", async () => {
    await install(partner);
    const before = await snapshot();
    const response = await partner.call("PUT", "/v1/installations/icfg_1", {
      auth: "viewer",
      body: installationBody({ credentials: { access_token: "viewer", token_type: "Bearer" } }),
    });
    await expectError(response, 403, "insufficient_role");
    expect(await snapshot()).toEqual(before);
  });

  it("cannot have an ADMIN's provisioning response replayed via its Idempotency-Key", async () => {
    await install(partner);
    const body = provisionBody();
    const first = await partner.call("POST", "/v1/installations/icfg_1/resources", {
      body,
      headers: { "idempotency-key": "idem-admin-1" },
    });
    expect(first.status).toBe(200);
    const provisioned = (await first.json()) as Provisioned;
    const replay = await partner.call("POST", "/v1/installations/icfg_1/resources", {
      auth: "viewer",
      body,
      headers: { "idempotency-key": "idem-admin-1" },
    });
    const text = await replay.text();
    expect(replay.status).toBe(403);
    expect(text).not.toContain(kvToken(provisioned));
    expect(ErrorBody.parse(JSON.parse(text)).error.code).toBe("insufficient_role");
  });

  it("cannot escape the role check by declaring X-Vercel-Auth: system", async () => {
    const resource = await installWithResource();
    const before = await snapshot();
    const token = await partner.issuer.userToken({ role: "USER" });
    for (const [method, path] of [
      ["DELETE", `/v1/installations/icfg_1/resources/${resource.id}`],
      ["DELETE", "/v1/installations/icfg_1"],
    ] as const) {
      const response = await partner.call(method, path, { auth: { token, header: "system" } });
      await expectError(response, 401, "auth_type_mismatch");
    }
    expect(await snapshot()).toEqual(before);
  });
});

describe("installation binding", () => {
  it.each(INSTALLATION_OPERATIONS)(
    "refuses an ADMIN token for icfg_2 on $name of icfg_1",
    async (attempt) => {
      const resource = await installWithResource();
      await install(partner, "icfg_2");
      const before = await snapshot();
      const token = await partner.issuer.userToken({ installationId: "icfg_2" });
      const response = await send(attempt, resource.id, { auth: { token, header: "user" } });
      await expectError(response, 403, "installation_mismatch");
      expect(await snapshot()).toEqual(before);
      expect(await partner.kv.authorize(resource.id, kvToken(resource))).toBe(true);
    },
  );

  it.each(INSTALLATION_OPERATIONS.filter((op) => ["GET", "DELETE"].includes(op.method)))(
    "refuses a system token for icfg_2 on $name of icfg_1",
    async (attempt) => {
      const resource = await installWithResource();
      const before = await snapshot();
      const token = await partner.issuer.systemToken({ installationId: "icfg_2" });
      const response = await send(attempt, resource.id, { auth: { token, header: "system" } });
      await expectError(response, 403, "installation_mismatch");
      expect(await snapshot()).toEqual(before);
    },
  );

  it("cannot create an installation under another installation's id", async () => {
    const token = await partner.issuer.userToken({ installationId: "icfg_2" });
    const response = await partner.call("PUT", "/v1/installations/icfg_1", {
      auth: { token, header: "user" },
      body: installationBody(),
    });
    await expectError(response, 403, "installation_mismatch");
    expect(await partner.store.getInstallation("icfg_1")).toBeUndefined();
  });

  it("does not let a resource of icfg_1 be reached through icfg_2's path", async () => {
    const resource = await installWithResource();
    await install(partner, "icfg_2");
    const before = await snapshot();
    for (const method of ["GET", "DELETE", "PATCH"]) {
      const response = await partner.call(
        method,
        `/v1/installations/icfg_2/resources/${resource.id}`,
        {
          installationId: "icfg_2",
          ...(method === "PATCH" && { body: { name: "hijacked" } }),
        },
      );
      await expectError(response, 404, "not_found");
    }
    expect(await snapshot()).toEqual(before);
  });
});

describe("system token without an installation", () => {
  it.each(INSTALLATION_OPERATIONS.filter((op) => ["GET", "DELETE"].includes(op.method)))(
    "is refused on $name",
    async (attempt) => {
      const resource = await installWithResource();
      const before = await snapshot();
      const token = await partner.issuer.systemToken({ installationId: null });
      const response = await send(attempt, resource.id, { auth: { token, header: "system" } });
      await expectError(response, 403, "installation_mismatch");
      expect(await snapshot()).toEqual(before);
    },
  );

  it("is accepted on GET /v1/products/:slug/plans", async () => {
    const token = await partner.issuer.systemToken({ installationId: null });
    const response = await partner.call("GET", "/v1/products/acme-kv/plans", {
      auth: { token, header: "system" },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { plans: { id: string }[] };
    expect(body.plans.map((plan) => plan.id)).toEqual(["free", "pro", "credits"]);
  });

  it("is accepted on product plans even without account_id, sub or X-Vercel-Auth", async () => {
    const token = await partner.issuer.systemToken({ installationId: null, accountId: null });
    const response = await partner.call("GET", "/v1/products/acme-kv/plans", {
      auth: { token },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { plans: { id: string }[] };
    expect(body.plans).toHaveLength(3);
  });
});

describe("auth type allow-list", () => {
  it.each(
    INSTALLATION_OPERATIONS.filter(
      (op) => op.method === "PUT" || op.method === "PATCH" || op.method === "POST",
    ),
  )("refuses a system token on $name with auth_type_not_allowed", async (attempt) => {
    const resource = await installWithResource();
    const before = await snapshot();
    const response = await send(attempt, resource.id, { auth: "system" });
    await expectError(response, 403, "auth_type_not_allowed");
    expect(await snapshot()).toEqual(before);
  });

  it("refuses a system token creating an installation", async () => {
    const response = await partner.call("PUT", "/v1/installations/icfg_1", {
      auth: "system",
      body: installationBody(),
    });
    await expectError(response, 403, "auth_type_not_allowed");
    expect(await partner.store.getInstallation("icfg_1")).toBeUndefined();
  });

  it("refuses an ADMIN user token declared as system with 401", async () => {
    await installWithResource();
    const before = await snapshot();
    const token = await partner.issuer.userToken();
    for (const [method, path] of [
      ["GET", "/v1/installations/icfg_1"],
      ["DELETE", "/v1/installations/icfg_1"],
      ["PUT", "/v1/installations/icfg_1"],
    ] as const) {
      const response = await partner.call(method, path, {
        auth: { token, header: "system" },
        ...(method === "PUT" && { body: installationBody() }),
      });
      await expectError(response, 401, "auth_type_mismatch");
    }
    expect(await snapshot()).toEqual(before);
  });

  it("refuses a system token declared as user with 401", async () => {
    await installWithResource();
    const before = await snapshot();
    const token = await partner.issuer.systemToken();
    const response = await partner.call("POST", "/v1/installations/icfg_1/resources", {
      auth: { token, header: "user" },
      body: provisionBody(),
    });
    await expectError(response, 401, "auth_type_mismatch");
    expect(await snapshot()).toEqual(before);
  });

  it("refuses an unknown X-Vercel-Auth value with 401", async () => {
    await install(partner);
    const token = await partner.issuer.userToken();
    const response = await partner.call("DELETE", "/v1/installations/icfg_1", {
      auth: { token, header: "admin" },
    });
    await expectError(response, 401, "auth_type_invalid");
    expect((await partner.store.getInstallation("icfg_1"))?.deletedAt).toBeNull();
  });

  it("accepts an ADMIN user token without X-Vercel-Auth (type from the claims)", async () => {
    const token = await partner.issuer.userToken();
    const response = await partner.call("PUT", "/v1/installations/icfg_1", {
      auth: { token },
      body: installationBody(),
    });
    expect(response.status).toBe(200);
    expect(await partner.store.getInstallation("icfg_1")).toMatchObject({ accountId: "acct_1" });
  });

  it("refuses a system token without X-Vercel-Auth on a user-only route", async () => {
    await install(partner);
    const before = await snapshot();
    const token = await partner.issuer.systemToken();
    const response = await partner.call("POST", "/v1/installations/icfg_1/resources", {
      auth: { token },
      body: provisionBody(),
    });
    await expectError(response, 403, "auth_type_not_allowed");
    expect(await snapshot()).toEqual(before);
  });
});

describe("another account with the same installation id", () => {
  const otherUser = () =>
    partner.issuer.userToken({ installationId: "icfg_1", accountId: "acct_2", userId: "mallory" });
  const otherSystem = () =>
    partner.issuer.systemToken({ installationId: "icfg_1", accountId: "acct_2" });

  it("cannot read the installation", async () => {
    await installWithResource();
    const response = await partner.call("GET", "/v1/installations/icfg_1", {
      auth: { token: await otherSystem(), header: "system" },
    });
    await expectError(response, 403, "forbidden");
    const user = await partner.call("GET", "/v1/installations/icfg_1", {
      auth: { token: await otherUser(), header: "user" },
    });
    await expectError(user, 403, "forbidden");
  });

  it("cannot delete the installation", async () => {
    const resource = await installWithResource();
    const before = await snapshot();
    for (const [token, header] of [
      [await otherUser(), "user"],
      [await otherSystem(), "system"],
    ] as const) {
      const response = await partner.call("DELETE", "/v1/installations/icfg_1", {
        auth: { token, header },
        body: { cascadeResourceDeletion: true },
      });
      await expectError(response, 403, "forbidden");
    }
    expect(await snapshot()).toEqual(before);
    expect(await partner.kv.authorize(resource.id, kvToken(resource))).toBe(true);
  });

  it("cannot take the installation over with PUT", async () => {
    await install(partner);
    const before = await snapshot();
    const response = await partner.call("PUT", "/v1/installations/icfg_1", {
      auth: { token: await otherUser(), header: "user" },
      body: installationBody({ credentials: { access_token: "mallory", token_type: "Bearer" } }),
    });
    await expectError(response, 403, "forbidden");
    expect(await snapshot()).toEqual(before);
    expect(await partner.store.getInstallation("icfg_1")).toMatchObject({
      accountId: "acct_1",
      installerUserId: "user_1",
    });
  });

  it("cannot read, change, delete or add resources", async () => {
    const resource = await installWithResource();
    const before = await snapshot();
    const token = await otherUser();
    for (const attempt of INSTALLATION_OPERATIONS.filter((op) => op.path.includes("resources"))) {
      const response = await send(attempt, resource.id, { auth: { token, header: "user" } });
      expect(response.status, attempt.name).toBe(403);
      await expectError(response, 403, "forbidden");
    }
    expect(await snapshot()).toEqual(before);
  });

  it("cannot get acct_1's provisioning response (and its secrets) replayed via Idempotency-Key", async () => {
    await install(partner);
    const body = provisionBody();
    const first = await partner.call("POST", "/v1/installations/icfg_1/resources", {
      body,
      headers: { "idempotency-key": "idem-provision-1" },
    });
    expect(first.status).toBe(200);
    const provisioned = (await first.json()) as Provisioned;

    const replay = await partner.call("POST", "/v1/installations/icfg_1/resources", {
      auth: { token: await otherUser(), header: "user" },
      body,
      headers: { "idempotency-key": "idem-provision-1" },
    });
    const text = await replay.text();
    expect({
      status: replay.status,
      replayed: replay.headers.get("idempotent-replayed") === "true",
      leaksSecret: text.includes(kvToken(provisioned)),
    }).toEqual({ status: 403, replayed: false, leaksSecret: false });
  });
});

describe("forged tokens", () => {
  it("refuses an attacker's token signed with another key under the trusted kid", async () => {
    const resource = await installWithResource();
    const before = await snapshot();
    const adminToken = await attacker.userToken();
    const systemToken = await attacker.systemToken();
    for (const attempt of INSTALLATION_OPERATIONS) {
      const response = await send(attempt, resource.id, {
        auth: { token: attempt.method === "GET" ? systemToken : adminToken },
      });
      await expectError(response, 401, "signature_invalid");
    }
    expect(await snapshot()).toEqual(before);
    expect(await partner.kv.authorize(resource.id, kvToken(resource))).toBe(true);
  });

  it("refuses an attacker's token on a fresh install and on product plans", async () => {
    const put = await partner.call("PUT", "/v1/installations/icfg_9", {
      auth: { token: await attacker.userToken({ installationId: "icfg_9" }), header: "user" },
      body: installationBody(),
    });
    await expectError(put, 401, "signature_invalid");
    expect(await partner.store.getInstallation("icfg_9")).toBeUndefined();

    const plans = await partner.call("GET", "/v1/products/acme-kv/plans", {
      auth: { token: await attacker.systemToken({ installationId: null }), header: "system" },
    });
    await expectError(plans, 401, "signature_invalid");
  });

  it("refuses a genuine viewer token whose payload was edited to ADMIN", async () => {
    const resource = await installWithResource();
    const before = await snapshot();
    const genuine = await partner.issuer.userToken({ role: "USER" });
    const [header, payload, signature] = genuine.split(".");
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, user_role: "ADMIN" })).toString(
      "base64url",
    );
    const response = await partner.call(
      "DELETE",
      `/v1/installations/icfg_1/resources/${resource.id}`,
      { auth: { token: `${header}.${forged}.${signature}`, header: "user" } },
    );
    await expectError(response, 401, "signature_invalid");
    expect(await snapshot()).toEqual(before);
  });
});
