/**
 * Black-box acceptance of `partnerkit start`: the real CLI in a child process, configured only by
 * the DESIGN §3 environment, driven over real HTTP with real RS256 tokens from a JWKS endpoint.
 */
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorBody } from "../../packages/partnerkit/src/protocol/errors.ts";
import { openDatabase } from "../../packages/partnerkit/src/store/database.ts";
import type { Tables } from "../../packages/partnerkit/src/store/tables.ts";
import { TEST_ENGINE } from "../support/database.ts";
import { JwksServer, TEST_CLIENT_ID, TEST_ISSUER, TestIssuer } from "../support/issuer.ts";
import {
  createE2eDatabase,
  type E2eDatabase,
  freePort,
  killAllPartnerkits,
  type PartnerkitProcess,
  type ProcessEnv,
  spawnPartnerkit,
  startPartnerkit,
} from "../support/server-process.ts";

// Generous: a cold `node --import tsx` start takes seconds, more on a busy machine.
const SPAWN_TIMEOUT = 60_000;

let issuer: TestIssuer;
let jwks: JwksServer;
/** Every JWT sent to any server: none of them may show up in its logs. */
const sentJwts: string[] = [];

beforeAll(async () => {
  issuer = await TestIssuer.create();
  jwks = await JwksServer.start(issuer.jwks.keys);
});

afterAll(async () => {
  await killAllPartnerkits();
  await jwks?.close();
});

const randomToken = (prefix: string) => `${prefix}_${randomBytes(18).toString("hex")}`;

/** A complete `start` environment for `database` on `port`. */
function serverEnv(database: E2eDatabase, port: number, encryptionKey: string): ProcessEnv {
  return {
    PORT: String(port),
    INTEGRATION_CLIENT_ID: TEST_CLIENT_ID,
    INTEGRATION_CLIENT_SECRET: randomToken("secret"),
    PARTNERKIT_ENCRYPTION_KEY: encryptionKey,
    VERCEL_OIDC_ISSUER: TEST_ISSUER,
    VERCEL_OIDC_JWKS_URL: jwks.url,
    VERCEL_API_URL: "http://127.0.0.1:9",
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: "debug",
    DATABASE_URL: database.url,
  };
}

const newEncryptionKey = () => randomBytes(32).toString("base64");

interface CallOptions {
  auth?: "user" | "system" | "none";
  body?: unknown;
  headers?: Record<string, string>;
}

/** Calls the Partner API of `server` as Vercel would, for the installation in the path. */
async function call(
  server: PartnerkitProcess,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Response> {
  const installationId = /^\/v1\/installations\/([^/?]+)/.exec(path)?.[1] ?? "icfg_e2e";
  const headers: Record<string, string> = {};
  const auth = options.auth ?? "user";
  if (auth !== "none") {
    const token =
      auth === "user"
        ? await issuer.userToken({ installationId })
        : await issuer.systemToken({ installationId });
    sentJwts.push(token);
    headers.authorization = `Bearer ${token}`;
    headers["x-vercel-auth"] = auth;
  }
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    headers["content-type"] = "application/json";
  }
  return fetch(`${server.url}${path}`, {
    method,
    headers: { ...headers, ...options.headers },
    body,
  });
}

function installationBody(accessToken: string) {
  return {
    scopes: ["read-write:integration-resource"],
    acceptedPolicies: { toc: "2026-01-01T00:00:00Z" },
    credentials: { access_token: accessToken, token_type: "Bearer" },
    account: {
      name: "Acme Team",
      url: "https://vercel.com/acme",
      contact: { email: "owner@acme.test" },
    },
  };
}

function provisionBody(overrides: Record<string, unknown> = {}) {
  return {
    productId: "acme-kv",
    name: "cache",
    metadata: { region: "iad1" },
    billingPlanId: "free",
    ...overrides,
  };
}

interface Secret {
  name: string;
  value: string;
}

interface Provisioned {
  id: string;
  name: string;
  status: string;
  secrets: Secret[];
  billingPlan?: { id: string };
}

function secret(resource: Provisioned, name: string): string {
  const value = resource.secrets.find((entry) => entry.name === name)?.value;
  if (!value) throw new Error(`resource ${resource.id} has no secret ${name}`);
  return value;
}

async function install(server: PartnerkitProcess, installationId: string, accessToken: string) {
  const response = await call(server, "PUT", `/v1/installations/${installationId}`, {
    body: installationBody(accessToken),
    headers: { "idempotency-key": randomToken("idem") },
  });
  expect(response.status, await response.clone().text()).toBe(200);
}

async function provision(
  server: PartnerkitProcess,
  installationId: string,
  overrides: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<Provisioned> {
  const response = await call(server, "POST", `/v1/installations/${installationId}/resources`, {
    body: provisionBody(overrides),
    headers,
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Provisioned;
}

/** The data plane of DESIGN §3: `<KV_REST_API_URL>/<key>` with the resource's bearer token. */
function kv(resource: Provisioned, method: string, key: string, token?: string, body?: string) {
  return fetch(`${secret(resource, "KV_REST_API_URL")}/${encodeURIComponent(key)}`, {
    method,
    headers: { authorization: `Bearer ${token ?? secret(resource, "KV_REST_API_TOKEN")}` },
    body,
  });
}

/** Asserts the status and that the body is exactly the spec's error body; returns its `error`. */
async function expectError(response: Response, status: number) {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  return ErrorBody.parse(JSON.parse(text)).error;
}

async function eventually(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Request head lines (start line and headers) ready to send. */
function httpHead(lines: string[]): Buffer {
  return Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
}

/** Sends raw bytes on a fresh connection; resolves with all bytes read until the server closes. */
function rawHttp(port: number | undefined, payload: Buffer, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port ?? 0, "127.0.0.1");
    const received: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(received).toString("latin1"));
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    socket.on("close", done);
    // A reset while still uploading is fine: what the server answered is the result.
    socket.on("error", () => {});
    socket.write(payload);
  });
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Splits an HTTP/1.1 byte stream into its final (non-1xx) responses; bodies by Content-Length. */
function parseResponses(text: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = text;
  while (rest.startsWith("HTTP/1.1 ")) {
    const headEnd = rest.indexOf("\r\n\r\n");
    if (headEnd < 0) break;
    const [statusLine = "", ...headerLines] = rest.slice(0, headEnd).split("\r\n");
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers["content-length"] ?? 0);
    const body = rest.slice(headEnd + 4, headEnd + 4 + length);
    rest = rest.slice(headEnd + 4 + length);
    const status = Number(statusLine.split(" ")[1]);
    if (status >= 200) responses.push({ status, headers, body });
  }
  return responses;
}

describe("partnerkit start: configuration", () => {
  it(
    "refuses to start without a required variable, or with a bad one, and names it on stderr",
    async () => {
      const database = await createE2eDatabase();
      try {
        const port = await freePort();
        const complete = serverEnv(database, port, newEncryptionKey());
        const cases: [string, ProcessEnv][] = [
          ["INTEGRATION_CLIENT_ID", { ...complete, INTEGRATION_CLIENT_ID: undefined }],
          ["PARTNERKIT_ENCRYPTION_KEY", { ...complete, PARTNERKIT_ENCRYPTION_KEY: undefined }],
          ["INTEGRATION_CLIENT_SECRET", { ...complete, INTEGRATION_CLIENT_SECRET: undefined }],
        ];
        if (TEST_ENGINE === "postgres") {
          cases.push([
            "DATABASE_URL",
            { ...complete, DATABASE_URL: `${database.url}&prepare=maybe` },
          ]);
        }
        const outcomes = await Promise.all(
          cases.map(async ([name, env]) => {
            const child = spawnPartnerkit(env);
            const timer = setTimeout(() => child.kill("SIGKILL"), 45_000);
            const status = await child.exited;
            clearTimeout(timer);
            return { name, status, stderr: child.stderr };
          }),
        );
        for (const { name, status, stderr } of outcomes) {
          expect(status.signal, `${name}: killed instead of exiting`).toBeNull();
          expect(status.code, `${name}: exit code`).not.toBe(0);
          expect(stderr, `${name}: stderr`).toContain(name);
        }
      } finally {
        await database.drop();
      }
    },
    SPAWN_TIMEOUT,
  );
});

describe("partnerkit start: one running server", () => {
  let database: E2eDatabase;
  let server: PartnerkitProcess;
  let env: ProcessEnv;

  beforeAll(async () => {
    database = await createE2eDatabase();
    env = serverEnv(database, await freePort(), newEncryptionKey());
    server = await startPartnerkit(env);
  }, SPAWN_TIMEOUT);

  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  it("keeps its tables where DATABASE_URL points", async () => {
    const tables = await database.tables();
    expect(tables).toEqual(
      expect.arrayContaining(["installations", "resources", "acme_kv_entries"]),
    );
  });

  it.skipIf(TEST_ENGINE !== "postgres")(
    "a second server on another schema of the same PostgreSQL database starts beside it, unprepared",
    async () => {
      // Operators (and the test suites) put several deployments in one database, one schema each.
      // This one connects as through a transaction-mode pooler: without prepared statements.
      const other = await createE2eDatabase();
      try {
        const pooled = { ...other, url: `${other.url}&prepare=false` };
        const neighbour = spawnPartnerkit(serverEnv(pooled, await freePort(), newEncryptionKey()));
        try {
          await neighbour.waitUntilReady();
        } catch (error) {
          await neighbour.kill();
          throw error;
        }
        expect(await other.tables()).toEqual(expect.arrayContaining(["installations"]));
        await install(neighbour, "icfg_e2e_neighbour", randomToken("vercel_access"));
        await neighbour.stop();
      } finally {
        await other.drop();
      }
    },
    SPAWN_TIMEOUT,
  );

  it("runs the whole lifecycle over HTTP: install, plans, provision, data plane, delete", async () => {
    const installationId = "icfg_e2e_happy";
    const base = `/v1/installations/${installationId}`;
    await install(server, installationId, randomToken("vercel_access"));

    const plansFor = async (region: string) => {
      const metadata = encodeURIComponent(JSON.stringify({ region }));
      const response = await call(server, "GET", `/v1/products/acme-kv/plans?metadata=${metadata}`);
      expect(response.status, await response.clone().text()).toBe(200);
      return ((await response.json()) as { plans: { id: string; cost?: string }[] }).plans;
    };
    const fra1 = await plansFor("fra1");
    expect(fra1.map((plan) => plan.id)).toEqual(expect.arrayContaining(["free", "pro", "credits"]));
    const iad1 = await plansFor("iad1");
    const proCost = (plans: { id: string; cost?: string }[]) =>
      plans.find((plan) => plan.id === "pro")?.cost;
    expect(proCost(fra1)).toBeTruthy();
    expect(proCost(fra1)).not.toBe(proCost(iad1));

    const resource = await provision(server, installationId, { metadata: { region: "fra1" } });
    expect(resource).toMatchObject({ id: expect.any(String), status: "ready", name: "cache" });
    expect(resource.secrets.map((entry) => entry.name)).toEqual(
      expect.arrayContaining(["KV_REST_API_URL", "KV_REST_API_TOKEN"]),
    );
    expect(secret(resource, "KV_REST_API_URL").startsWith(`${server.url}/`)).toBe(true);
    const token = secret(resource, "KV_REST_API_TOKEN");

    // The data plane really stores data, and only for the right token.
    expect((await kv(resource, "PUT", "greeting", undefined, "hello, world")).status).toBe(204);
    const read = await kv(resource, "GET", "greeting");
    expect(read.status).toBe(200);
    expect(await read.text()).toBe("hello, world");
    const wrong = randomToken("akv");
    await expectError(await kv(resource, "GET", "greeting", wrong), 401);
    await expectError(await kv(resource, "PUT", "greeting", wrong, "overwritten"), 401);
    expect(await (await kv(resource, "GET", "greeting")).text()).toBe("hello, world");

    const get = await call(server, "GET", `${base}/resources/${resource.id}`);
    const getText = await get.text();
    expect(get.status, getText).toBe(200);
    const described = JSON.parse(getText) as Record<string, unknown>;
    expect(described).toMatchObject({ id: resource.id, name: "cache", status: "ready" });
    expect(described).not.toHaveProperty("secrets");
    expect(getText).not.toContain(token);

    const patch = await call(server, "PATCH", `${base}/resources/${resource.id}`, {
      body: { name: "renamed-cache" },
    });
    expect(patch.status, await patch.clone().text()).toBe(200);
    expect(await patch.json()).toMatchObject({ id: resource.id, name: "renamed-cache" });
    const afterPatch = await call(server, "GET", `${base}/resources/${resource.id}`);
    expect(await afterPatch.json()).toMatchObject({ name: "renamed-cache" });

    const deleted = await call(server, "DELETE", `${base}/resources/${resource.id}`);
    expect(deleted.status, await deleted.clone().text()).toBe(204);
    const deletedAgain = await call(server, "DELETE", `${base}/resources/${resource.id}`);
    expect(deletedAgain.status, await deletedAgain.clone().text()).toBe(204);
    await expectError(await kv(resource, "GET", "greeting"), 401);
    await expectError(await call(server, "GET", `${base}/resources/${resource.id}`), 404);

    const uninstall = await call(server, "DELETE", base, {
      body: { cascadeResourceDeletion: true, reason: "uninstall" },
    });
    expect(uninstall.status, await uninstall.clone().text()).toBe(200);
    expect(await uninstall.json()).toEqual({ finalized: true });
    await expectError(await call(server, "GET", base, { auth: "system" }), 404);
  });

  it("answers a GET with what another process wrote just before (a CLI command, a worker)", async () => {
    const installationId = "icfg_e2e_outside";
    await install(server, installationId, randomToken("vercel_access"));
    const resource = await provision(server, installationId);
    const path = `/v1/installations/${installationId}/resources/${resource.id}`;
    expect(await (await call(server, "GET", path)).json()).toMatchObject({ name: "cache" });
    const outside = openDatabase(database.url);
    try {
      for (const name of ["renamed-outside", "renamed-again"]) {
        await outside.kysely
          .withTables<Tables>()
          .updateTable("resources")
          .set({ name })
          .where("id", "=", resource.id)
          .execute();
        expect(await (await call(server, "GET", path)).json()).toMatchObject({ name });
      }
    } finally {
      await outside.close();
    }
  });

  it("replays a repeated Idempotency-Key byte for byte and provisions only once", async () => {
    const installationId = "icfg_e2e_idem";
    const collection = `/v1/installations/${installationId}/resources`;
    await install(server, installationId, randomToken("vercel_access"));
    const key = randomToken("idem");
    const send = (body: unknown) =>
      call(server, "POST", collection, { body, headers: { "idempotency-key": key } });

    const first = await send(provisionBody({ name: "once" }));
    const firstText = await first.text();
    expect(first.status, firstText).toBe(200);
    // Same body with keys in another order: still the same request.
    const { billingPlanId, ...rest } = provisionBody({ name: "once" });
    const second = await send({ billingPlanId, ...rest });
    const secondText = await second.text();
    expect(second.status).toBe(first.status);
    expect(secondText).toBe(firstText);

    const list = await call(server, "GET", collection, { auth: "system" });
    expect(list.status, await list.clone().text()).toBe(200);
    const { resources } = (await list.json()) as { resources: { id: string }[] };
    expect(resources.map((resource) => resource.id)).toEqual([
      (JSON.parse(firstText) as Provisioned).id,
    ]);

    const mismatch = await send(provisionBody({ name: "twice" }));
    expect([409, 422]).toContain(mismatch.status);
    const error = await expectError(mismatch, mismatch.status);
    expect(error.code).toBeTruthy();
    const after = await call(server, "GET", collection, { auth: "system" });
    expect(((await after.json()) as { resources: unknown[] }).resources).toHaveLength(1);
  });

  it("keeps installation tokens and resource secrets out of the database and the logs", async () => {
    const installationId = "icfg_e2e_secrets";
    const accessToken = randomToken("vercel_access_secret");
    await install(server, installationId, accessToken);
    const resource = await provision(
      server,
      installationId,
      { name: "secretive" },
      { "idempotency-key": randomToken("idem") },
    );
    const kvToken = secret(resource, "KV_REST_API_TOKEN");
    const marker = randomToken("stored_value");
    expect((await kv(resource, "PUT", "marker", undefined, marker)).status).toBe(204);

    const atRest = await database.contentsAtRest();
    // The scan sees live data (WAL included): the value and the ids are there in plaintext…
    expect(atRest).toContain(marker);
    expect(atRest).toContain(resource.id);
    expect(atRest).toContain(installationId);
    // …but not the secrets.
    expect(atRest).not.toContain(accessToken);
    expect(atRest).not.toContain(kvToken);
    expect(atRest).not.toContain(kvToken.replace(/^akv_/, ""));

    await eventually(() => server.stdout.includes(resource.id));
    const logs = server.stdout + server.stderr;
    expect(logs).toContain(resource.id);
    expect(logs).not.toContain(accessToken);
    expect(logs).not.toContain(kvToken);
    for (const jwt of sentJwts) expect(logs).not.toContain(jwt.split(".")[2]);
    for (const name of ["INTEGRATION_CLIENT_SECRET", "PARTNERKIT_ENCRYPTION_KEY"]) {
      expect(logs, name).not.toContain(env[name]);
      expect(atRest, name).not.toContain(env[name]);
    }
  });

  describe("bad input is a 4xx error body, never a 5xx", () => {
    const installationId = "icfg_e2e_bad";
    const collection = `/v1/installations/${installationId}/resources`;

    beforeAll(() => install(server, installationId, randomToken("vercel_access")));

    it("malformed JSON is a 400", async () => {
      const error = await expectError(
        await call(server, "POST", collection, { body: '{"productId": "acme-kv",' }),
        400,
      );
      expect(error.code).toBeTruthy();
      await expectError(
        await call(server, "PUT", `/v1/installations/${installationId}`, { body: "not json" }),
        400,
      );
    });

    // Raw sockets, so that each case controls its own connection (and a connection the server
    // drops cannot poison fetch's keep-alive pool for the other tests).
    const oversized = () =>
      Buffer.from(JSON.stringify({ ...provisionBody(), name: "x".repeat(1024 * 1024) }));
    const head = async (extra: string[]) => [
      `POST ${collection} HTTP/1.1`,
      `Host: 127.0.0.1:${server.port}`,
      `Authorization: Bearer ${await issuer.userToken({ installationId })}`,
      "X-Vercel-Auth: user",
      "Content-Type: application/json",
      ...extra,
    ];

    it("a body over 1 MB with Content-Length is a 413", async () => {
      const body = oversized();
      const request = Buffer.concat([
        httpHead([...(await head([`Content-Length: ${body.length}`, "Connection: close"]))]),
        body,
      ]);
      const [response] = parseResponses(await rawHttp(server.port, request));
      expect(response?.status, response?.body).toBe(413);
      expect(ErrorBody.parse(JSON.parse(response?.body ?? "")).error.code).toBeTruthy();
    });

    it("a chunked body over 1 MB (no Content-Length) is a 413", async () => {
      const body = oversized();
      const chunks = [body.subarray(0, 600_000), body.subarray(600_000)];
      const request = Buffer.concat([
        httpHead(await head(["Transfer-Encoding: chunked", "Connection: close"])),
        ...chunks.flatMap((chunk) => [
          Buffer.from(`${chunk.length.toString(16)}\r\n`),
          chunk,
          Buffer.from("\r\n"),
        ]),
        Buffer.from("0\r\n\r\n"),
      ]);
      const [response] = parseResponses(await rawHttp(server.port, request));
      expect(response?.status, response?.body).toBe(413);
      expect(ErrorBody.parse(JSON.parse(response?.body ?? "")).error.code).toBeTruthy();

      const list = await call(server, "GET", collection, { auth: "system" });
      expect(((await list.json()) as { resources: unknown[] }).resources).toHaveLength(0);
    });

    it("after a 413 the connection is either announced closed or still usable", async () => {
      // A keep-alive client (undici, Vercel's callers) reuses the socket unless told otherwise;
      // a pipelined second request on it must be answered.
      const body = oversized();
      const request = Buffer.concat([
        httpHead(await head([`Content-Length: ${body.length}`])),
        body,
        httpHead([
          "GET /v1/no-such-route HTTP/1.1",
          `Host: 127.0.0.1:${server.port}`,
          "Connection: close",
        ]),
      ]);
      const [tooLarge, next] = parseResponses(await rawHttp(server.port, request));
      expect(tooLarge?.status).toBe(413);
      if (tooLarge?.headers.connection?.toLowerCase() !== "close") {
        expect(
          next?.status,
          `413 said "Connection: ${tooLarge?.headers.connection}" but the connection was dropped`,
        ).toBe(404);
      }
    });

    it("an unknown route is a 404", async () => {
      const error = await expectError(await call(server, "GET", "/v1/no-such-route"), 404);
      expect(error.code).toBe("not_found");
      await expectError(await call(server, "GET", "/", { auth: "none" }), 404);
    });

    it("invalid metadata and an unknown plan are 400s naming the field", async () => {
      const region = await expectError(
        await call(server, "POST", collection, {
          body: provisionBody({ metadata: { region: "mars" } }),
        }),
        400,
      );
      expect(region.fields).toContainEqual(expect.objectContaining({ key: "region" }));

      const plan = await expectError(
        await call(server, "POST", collection, { body: provisionBody({ billingPlanId: "gold" }) }),
        400,
      );
      expect(plan.fields).toContainEqual(expect.objectContaining({ key: "billingPlanId" }));

      const badQuery = await call(server, "GET", "/v1/products/acme-kv/plans?metadata=%7Bnope");
      await expectError(badQuery, 400);
    });

    it("a bad or missing token is a 401", async () => {
      await expectError(await call(server, "GET", collection, { auth: "none" }), 401);
      await expectError(
        await call(server, "GET", collection, {
          auth: "none",
          headers: { authorization: "Bearer not.a.jwt", "x-vercel-auth": "system" },
        }),
        401,
      );
    });
  });

  it("logged no unhandled error through all of the above", () => {
    expect(server.stdout + server.stderr).not.toMatch(/"level":(50|60)|unhandled error/);
  });
});

describe("partnerkit start: durability", () => {
  let database: E2eDatabase;

  beforeAll(async () => {
    database = await createE2eDatabase();
  });

  afterAll(async () => {
    await killAllPartnerkits();
    await database?.drop();
  });

  it(
    "serves the same resources, data and idempotent replays after a SIGKILL and restart",
    async () => {
      const env = serverEnv(database, await freePort(), newEncryptionKey());
      const installationId = "icfg_e2e_durable";
      const collection = `/v1/installations/${installationId}/resources`;
      const key = randomToken("idem");

      const first = await startPartnerkit(env);
      await install(first, installationId, randomToken("vercel_access"));
      const provisioned = await call(first, "POST", collection, {
        body: provisionBody({ name: "durable" }),
        headers: { "idempotency-key": key },
      });
      const provisionedText = await provisioned.text();
      expect(provisioned.status, provisionedText).toBe(200);
      const resource = JSON.parse(provisionedText) as Provisioned;
      expect((await kv(resource, "PUT", "survivor", undefined, "still here")).status).toBe(204);
      const before = await call(first, "GET", `${collection}/${resource.id}`);
      expect(before.status).toBe(200);
      const beforeBody: unknown = await before.json();

      expect(await first.kill("SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });

      const second = await startPartnerkit(env);
      const after = await call(second, "GET", `${collection}/${resource.id}`);
      expect(after.status, await after.clone().text()).toBe(200);
      expect(await after.json()).toEqual(beforeBody);

      const survivor = await kv(resource, "GET", "survivor");
      expect(survivor.status).toBe(200);
      expect(await survivor.text()).toBe("still here");

      const replay = await call(second, "POST", collection, {
        body: provisionBody({ name: "durable" }),
        headers: { "idempotency-key": key },
      });
      expect(replay.status).toBe(200);
      expect(await replay.text()).toBe(provisionedText);
      const list = await call(second, "GET", collection, { auth: "system" });
      expect(((await list.json()) as { resources: unknown[] }).resources).toHaveLength(1);

      expect(await second.stop()).toEqual({ code: 0, signal: null });
    },
    SPAWN_TIMEOUT,
  );
});
