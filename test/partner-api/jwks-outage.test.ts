import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { JWK } from "jose";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createVercelKeySet,
  type KeySetOptions,
} from "../../packages/partnerkit/src/auth/key-set.ts";
import { ErrorBody } from "../../packages/partnerkit/src/protocol/errors.ts";
import { TestIssuer } from "../support/issuer.ts";
import {
  createTestPartner,
  install,
  installationBody,
  provisionBody,
  type TestPartner,
} from "../support/partner-app.ts";

/** A JWKS endpoint that can go down: while down it drops every connection. */
interface Jwks {
  url: string;
  up: boolean;
  keys: JWK[];
  fetches: number;
}

let partner: TestPartner | undefined;
let rogue: TestIssuer;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  rogue = await TestIssuer.create("rogue-key");
});
afterEach(async () => {
  await partner?.close();
  partner = undefined;
  await Promise.all(cleanups.splice(0).map((close) => close()));
});

async function startJwks(): Promise<Jwks> {
  const jwks: Jwks = { url: "", up: true, keys: [], fetches: 0 };
  const server = createServer((_request, response) => {
    jwks.fetches += 1;
    if (!jwks.up) {
      response.destroy();
      return;
    }
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ keys: jwks.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  jwks.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks`;
  return jwks;
}

/** The test partner verifying tokens against `jwks` through a remote key set. */
async function partnerOn(jwks: Jwks, options: KeySetOptions = {}): Promise<TestPartner> {
  partner = await createTestPartner({
    keys: createVercelKeySet(jwks.url, {
      maxAgeMs: 50,
      cooldownMs: 50,
      timeoutMs: 300,
      ...options,
    }),
  });
  jwks.keys = partner.issuer.jwks.keys;
  return partner;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function snapshot(p: TestPartner) {
  return {
    installation: await p.store.getInstallation("icfg_1"),
    resources: await p.store.listResources("icfg_1"),
  };
}

async function expectUnavailable(response: Response): Promise<void> {
  expect(response.status).toBe(503);
  expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
  const body = ErrorBody.parse(await response.json());
  expect(body.error.code).toBe("key_set_unavailable");
}

describe("JWKS outage after keys were fetched", () => {
  it("keeps serving valid tokens with the last keys once they are past their max age", async () => {
    const jwks = await startJwks();
    const p = await partnerOn(jwks);
    await install(p, "icfg_1");
    jwks.up = false;
    await sleep(100);

    expect((await p.call("GET", "/v1/installations/icfg_1")).status).toBe(200);
    const provisioned = await p.call("POST", "/v1/installations/icfg_1/resources", {
      body: provisionBody(),
    });
    expect(provisioned.status).toBe(200);
    const system = await p.call("GET", "/v1/installations/icfg_1/resources", { auth: "system" });
    expect(system.status).toBe(200);
  });

  it("does not wait on the unreachable issuer for every request", async () => {
    const jwks = await startJwks();
    const p = await partnerOn(jwks, { cooldownMs: 5_000 });
    await install(p, "icfg_1");
    jwks.up = false;
    await sleep(100);
    const before = jwks.fetches;
    for (let i = 0; i < 5; i += 1) {
      expect((await p.call("GET", "/v1/installations/icfg_1")).status).toBe(200);
    }
    expect(jwks.fetches - before).toBe(1);
  });

  it("still refuses a token signed with an unknown kid, and it changes nothing", async () => {
    const jwks = await startJwks();
    const p = await partnerOn(jwks);
    await install(p, "icfg_1");
    jwks.up = false;
    await sleep(100);
    const before = await snapshot(p);

    const forged = await rogue.userToken({ installationId: "icfg_1" });
    const attempts = [
      p.call("PUT", "/v1/installations/icfg_1", {
        auth: { token: forged, header: "user" },
        body: installationBody({ credentials: { access_token: "stolen", token_type: "Bearer" } }),
      }),
      p.call("POST", "/v1/installations/icfg_1/resources", {
        auth: { token: forged, header: "user" },
        body: provisionBody({ name: "intruder" }),
      }),
      p.call("DELETE", "/v1/installations/icfg_1", {
        auth: { token: forged, header: "user" },
        body: { cascadeResourceDeletion: true },
      }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(401);
      expect(ErrorBody.parse(await response.json()).error.code).toBe("key_not_found");
    }
    expect(await snapshot(p)).toEqual(before);
  });

  it("answers 503 with Retry-After once the stale window has passed", async () => {
    const jwks = await startJwks();
    const p = await partnerOn(jwks, { staleWindowMs: 150 });
    await install(p, "icfg_1");
    jwks.up = false;
    await sleep(200);
    await expectUnavailable(await p.call("GET", "/v1/installations/icfg_1"));
  });

  it("verifies again with fresh keys once the issuer is back", async () => {
    const jwks = await startJwks();
    const p = await partnerOn(jwks, { staleWindowMs: 100 });
    await install(p, "icfg_1");
    jwks.up = false;
    await sleep(150);
    await expectUnavailable(await p.call("GET", "/v1/installations/icfg_1"));
    jwks.up = true;
    await sleep(60);
    expect((await p.call("GET", "/v1/installations/icfg_1")).status).toBe(200);
  });
});

describe("JWKS outage before any key set was fetched", () => {
  it("answers 503 with Retry-After and the spec's error body, storing nothing", async () => {
    const jwks = await startJwks();
    jwks.up = false;
    const p = await partnerOn(jwks);
    const response = await p.call("PUT", "/v1/installations/icfg_1", {
      body: installationBody(),
    });
    await expectUnavailable(response);
    expect(await p.store.getInstallation("icfg_1")).toBeUndefined();
    expect((await p.call("GET", "/v1/products/acme-kv/plans", { auth: "system" })).status).toBe(
      503,
    );
  });
});
