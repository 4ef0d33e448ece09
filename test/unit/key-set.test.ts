import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { JWTVerifyGetKey } from "jose";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createVercelKeySet,
  type KeySetOptions,
} from "../../packages/partnerkit/src/auth/key-set.ts";
import {
  type VerifyTokenResult,
  verifyVercelToken,
} from "../../packages/partnerkit/src/auth/verify-token.ts";
import { JwksServer, TEST_CLIENT_ID, TEST_ISSUER, TestIssuer } from "../support/issuer.ts";

let issuer: TestIssuer;
let rotated: TestIssuer;

beforeAll(async () => {
  issuer = await TestIssuer.create("key-2026-01");
  rotated = await TestIssuer.create("key-2026-02");
});

/** Everything started by a test, closed after it. */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
});

async function startJwks(): Promise<JwksServer> {
  const server = await JwksServer.start(issuer.jwks.keys);
  cleanups.push(() => server.close());
  return server;
}

/** A plain HTTP server with a custom handler, for JWKS endpoints that misbehave. */
async function startRaw(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}/.well-known/jwks`;
}

function keySet(url: string, options: KeySetOptions = {}): JWTVerifyGetKey {
  return createVercelKeySet(url, options);
}

function verify(token: string, keys: JWTVerifyGetKey): Promise<VerifyTokenResult> {
  return verifyVercelToken(token, { keys, issuer: TEST_ISSUER, audience: TEST_CLIENT_ID });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("createVercelKeySet: caching", () => {
  it("fetches the key set once for 50 sequential verifications", async () => {
    const server = await startJwks();
    const keys = keySet(server.url);
    const token = await issuer.userToken();
    for (let i = 0; i < 50; i += 1) {
      expect(await verify(token, keys)).toMatchObject({ ok: true, authType: "user" });
    }
    expect(server.fetches).toBe(1);
  });

  it("fetches the key set once for 50 concurrent verifications on a cold cache", async () => {
    const server = await startJwks();
    const keys = keySet(server.url);
    const tokens = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        i % 2 === 0
          ? issuer.userToken({ userId: `user_${i}` })
          : issuer.systemToken({ installationId: `icfg_${i}` }),
      ),
    );
    const results = await Promise.all(tokens.map((token) => verify(token, keys)));
    expect(results.every((result) => result.ok)).toBe(true);
    expect(server.fetches).toBe(1);
  });

  it("refetches once the cached key set is older than maxAgeMs", async () => {
    const server = await startJwks();
    const keys = keySet(server.url, { maxAgeMs: 50 });
    const token = await issuer.userToken();
    expect(await verify(token, keys)).toMatchObject({ ok: true });
    expect(server.fetches).toBe(1);
    await sleep(100);
    expect(await verify(token, keys)).toMatchObject({ ok: true });
    expect(await verify(token, keys)).toMatchObject({ ok: true });
    expect(server.fetches).toBe(2);
  });
});

describe("createVercelKeySet: unknown kid", () => {
  it("refetches exactly once for an unknown kid, then not again within the cooldown", async () => {
    const server = await startJwks();
    const keys = keySet(server.url, { cooldownMs: 300 });
    // Signed up front so that everything after the refetch runs well within the cooldown.
    const forged = await issuer.userToken({}, { kid: "forged-1" });
    const more = await Promise.all(
      Array.from({ length: 20 }, (_, i) => issuer.userToken({}, { kid: `forged-${i + 2}` })),
    );
    const genuine = await issuer.userToken();
    expect(await verify(genuine, keys)).toMatchObject({ ok: true });
    expect(server.fetches).toBe(1);
    await sleep(350);

    expect(await verify(forged, keys)).toMatchObject({ ok: false, reason: "key_not_found" });
    expect(server.fetches).toBe(2);

    for (const token of more.slice(0, 5)) {
      expect(await verify(token, keys)).toMatchObject({ ok: false, reason: "key_not_found" });
    }
    const burst = await Promise.all(more.map((token) => verify(token, keys)));
    expect(burst.every((result) => !result.ok && result.reason === "key_not_found")).toBe(true);
    expect(server.fetches).toBe(2);
    // The known key still verifies from the cache.
    expect(await verify(genuine, keys)).toMatchObject({ ok: true });
    expect(server.fetches).toBe(2);
  });

  it("shares one refetch between concurrent unknown-kid tokens", async () => {
    const server = await startJwks();
    const keys = keySet(server.url, { cooldownMs: 50 });
    expect(await verify(await issuer.userToken(), keys)).toMatchObject({ ok: true });
    const forged = await Promise.all(
      Array.from({ length: 25 }, (_, i) => issuer.userToken({}, { kid: `burst-${i}` })),
    );
    await sleep(100);
    const results = await Promise.all(forged.map((token) => verify(token, keys)));
    expect(results.every((result) => !result.ok && result.reason === "key_not_found")).toBe(true);
    expect(server.fetches).toBe(2);
  });

  it("with the default options, a flood of forged kids right after start-up fetches nothing more", async () => {
    const server = await startJwks();
    const keys = keySet(server.url);
    const forged = await Promise.all(
      Array.from({ length: 100 }, (_, i) => issuer.systemToken({}, { kid: `flood-${i}` })),
    );
    for (const token of forged) {
      expect(await verify(token, keys)).toMatchObject({ ok: false, reason: "key_not_found" });
    }
    expect(server.fetches).toBe(1);
  });
});

describe("createVercelKeySet: key rotation", () => {
  it("verifies a token signed with a rotated-in key after a single refetch", async () => {
    const server = await startJwks();
    const keys = keySet(server.url, { cooldownMs: 50 });
    expect(await verify(await issuer.userToken(), keys)).toMatchObject({ ok: true });
    expect(server.fetches).toBe(1);

    server.keys = rotated.jwks.keys;
    await sleep(100);
    const fresh = await rotated.userToken({ installationId: "icfg_rotated" });
    expect(await verify(fresh, keys)).toMatchObject({
      ok: true,
      claims: { installation_id: "icfg_rotated" },
    });
    expect(server.fetches).toBe(2);

    // Further tokens with the new key come from the cache.
    for (let i = 0; i < 10; i += 1) {
      expect(await verify(await rotated.systemToken(), keys)).toMatchObject({ ok: true });
    }
    expect(server.fetches).toBe(2);
  });

  it("stops accepting tokens of a key that was rotated out", async () => {
    const server = await startJwks();
    const keys = keySet(server.url, { cooldownMs: 50 });
    const old = await issuer.userToken();
    expect(await verify(old, keys)).toMatchObject({ ok: true });

    server.keys = rotated.jwks.keys;
    await sleep(100);
    expect(await verify(await rotated.userToken(), keys)).toMatchObject({ ok: true });
    expect(await verify(old, keys)).toMatchObject({ ok: false, reason: "key_not_found" });
  });

  it("accepts both keys while the server publishes both during a rollover", async () => {
    const server = await startJwks();
    const keys = keySet(server.url, { cooldownMs: 50 });
    expect(await verify(await issuer.userToken(), keys)).toMatchObject({ ok: true });

    server.keys = [...issuer.jwks.keys, ...rotated.jwks.keys];
    await sleep(100);
    expect(await verify(await rotated.userToken(), keys)).toMatchObject({ ok: true });
    expect(await verify(await issuer.userToken(), keys)).toMatchObject({ ok: true });
    expect(server.fetches).toBe(2);
  });
});

describe("createVercelKeySet: key set unavailable", () => {
  it("answers key_set_unavailable, without throwing, when the JWKS server is down", async () => {
    const server = await JwksServer.start(issuer.jwks.keys);
    const url = server.url;
    await server.close();
    const keys = keySet(url, { timeoutMs: 500 });
    const result = await verify(await issuer.userToken(), keys);
    expect(result).toMatchObject({ ok: false, reason: "key_set_unavailable" });
  });

  it("answers key_set_unavailable when the JWKS server never answers (timeout)", async () => {
    const url = await startRaw(() => {
      // Never responds.
    });
    const keys = keySet(url, { timeoutMs: 100 });
    const started = Date.now();
    const result = await verify(await issuer.userToken(), keys);
    expect(result).toMatchObject({ ok: false, reason: "key_set_unavailable" });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("answers key_set_unavailable when the JWKS server answers 503", async () => {
    const url = await startRaw((_request, response) => {
      response.statusCode = 503;
      response.end("Service Unavailable");
    });
    const keys = keySet(url, { timeoutMs: 500 });
    const result = await verify(await issuer.userToken(), keys);
    expect(result).toMatchObject({ ok: false, reason: "key_set_unavailable" });
  });

  it("answers key_set_unavailable when the JWKS server answers non-JSON", async () => {
    const url = await startRaw((_request, response) => {
      response.setHeader("content-type", "text/html");
      response.end("<html>maintenance</html>");
    });
    const keys = keySet(url, { timeoutMs: 500 });
    const result = await verify(await issuer.userToken(), keys);
    expect(result).toMatchObject({ ok: false, reason: "key_set_unavailable" });
  });

  it("answers key_set_unavailable when the JWKS server answers JSON that is not a key set", async () => {
    const url = await startRaw((_request, response) => {
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ hello: "world" }));
    });
    const keys = keySet(url, { timeoutMs: 500 });
    const result = await verify(await issuer.userToken(), keys);
    expect(result).toMatchObject({ ok: false, reason: "key_set_unavailable" });
  });

  it("recovers once the JWKS server answers again", async () => {
    let up = false;
    let fetches = 0;
    const url = await startRaw((_request, response) => {
      fetches += 1;
      if (!up) {
        response.destroy();
        return;
      }
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify(issuer.jwks));
    });
    const keys = keySet(url, { timeoutMs: 500, cooldownMs: 50 });
    const token = await issuer.userToken();
    expect(await verify(token, keys)).toMatchObject({ ok: false, reason: "key_set_unavailable" });
    up = true;
    expect(await verify(token, keys)).toMatchObject({ ok: true });
    expect(fetches).toBe(2);
  });
});

describe("createVercelKeySet: outage after a successful fetch", () => {
  async function flaky() {
    const state = { up: true, fetches: 0 };
    const url = await startRaw((_request, response) => {
      state.fetches += 1;
      if (!state.up) {
        response.destroy();
        return;
      }
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify(issuer.jwks));
    });
    return { url, state };
  }

  it("keeps verifying with the last keys past maxAgeMs, within the stale window", async () => {
    const { url, state } = await flaky();
    const keys = keySet(url, { maxAgeMs: 50, cooldownMs: 50, timeoutMs: 300 });
    const token = await issuer.userToken();
    expect(await verify(token, keys)).toMatchObject({ ok: true });
    state.up = false;
    await sleep(100);
    expect(await verify(token, keys)).toMatchObject({ ok: true });
    expect(await verify(await issuer.systemToken(), keys)).toMatchObject({ ok: true });
    expect(state.fetches).toBe(2);
  });

  it("still refuses an unknown kid with the last keys", async () => {
    const { url, state } = await flaky();
    const keys = keySet(url, { maxAgeMs: 50, cooldownMs: 50, timeoutMs: 300 });
    expect(await verify(await issuer.userToken(), keys)).toMatchObject({ ok: true });
    state.up = false;
    await sleep(100);
    expect(await verify(await rotated.userToken(), keys)).toMatchObject({
      ok: false,
      reason: "key_not_found",
    });
  });

  it("answers key_set_unavailable with a retry delay once the stale window has passed", async () => {
    const { url, state } = await flaky();
    const keys = keySet(url, {
      maxAgeMs: 50,
      cooldownMs: 2_000,
      timeoutMs: 300,
      staleWindowMs: 100,
    });
    const token = await issuer.userToken();
    expect(await verify(token, keys)).toMatchObject({ ok: true });
    state.up = false;
    await sleep(150);
    expect(await verify(token, keys)).toMatchObject({
      ok: false,
      reason: "key_set_unavailable",
      retryAfterSeconds: 2,
    });
  });
});
