import { randomBytes } from "node:crypto";
import { connect, createServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import acmeKv from "../../examples/acme-kv/src/index.ts";
import { createLogger } from "../../packages/partnerkit/src/logger.ts";
import {
  createPartnerkit,
  type IntegrationFactory,
  type Partnerkit,
} from "../../packages/partnerkit/src/runtime.ts";
import { SecretBox } from "../../packages/partnerkit/src/store/secret-box.ts";
import { TEST_ENGINE } from "../support/database.ts";
import { createE2eDatabase, type E2eDatabase, freePort } from "../support/server-process.ts";

let partnerkit: Partnerkit | undefined;
let database: E2eDatabase | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await partnerkit?.stop();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await database?.drop();
  partnerkit = undefined;
  database = undefined;
});

function start(databaseUrl: string, integration: IntegrationFactory = acmeKv): Partnerkit {
  partnerkit = createPartnerkit({
    integration,
    databaseUrl,
    clientIds: ["oac_health_test"],
    clientSecret: randomBytes(24).toString("base64url"),
    encryptionKey: SecretBox.generateKey(),
    logger: createLogger(process.env.LOG_LEVEL ?? "silent"),
  });
  return partnerkit;
}

async function get(server: Partnerkit, path: string) {
  const response = await server.fetch(new Request(`http://partner.test${path}`));
  return { status: response.status, body: (await response.json()) as unknown };
}

describe("/healthz and /readyz, as a load balancer or Kubernetes probes see them", () => {
  it("is live at once, not ready until setup (migrations, the integration's own) is done, then ready", async () => {
    database = await createE2eDatabase();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Acme KV's factory runs its own migrations; holding it holds setup at "migrating".
    const server = start(database.url, async (setup) => {
      await gate;
      return acmeKv(setup);
    });

    expect(await get(server, "/healthz")).toEqual({ status: 200, body: { status: "ok" } });
    expect(await get(server, "/readyz")).toEqual({
      status: 503,
      body: { status: "starting", reason: "migrating" },
    });
    // A Partner API request waits for setup instead of failing.
    let answered = false;
    const waiting = server
      .fetch(new Request("http://partner.test/v1/products/acme-kv/plans"))
      .then((response) => {
        answered = true;
        return response;
      });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(answered).toBe(false);

    release();
    await server.ready();
    expect(await get(server, "/readyz")).toEqual({ status: 200, body: { status: "ready" } });
    expect((await waiting).status).toBe(401);
  });

  it("is live but never ready when the database is unreachable at start (PostgreSQL on a closed port)", async () => {
    const server = start(`postgres://postgres@127.0.0.1:${await freePort()}/partnerkit`);
    await expect(server.ready()).rejects.toThrow();
    expect(await get(server, "/healthz")).toEqual({ status: 200, body: { status: "ok" } });
    expect(await get(server, "/readyz")).toEqual({
      status: 503,
      body: { status: "failed", reason: "setup failed" },
    });
    const request = await server.fetch(
      new Request("http://partner.test/v1/products/acme-kv/plans"),
    );
    expect(request.status).toBe(503);
    expect(request.headers.get("retry-after")).toBe("5");
  });

  it("turns not ready when the database goes away after startup", async () => {
    database = await createE2eDatabase();
    const server = start(database.url);
    const { database: open } = await server.ready();
    expect((await get(server, "/readyz")).status).toBe(200);
    await open.close();
    expect(await get(server, "/readyz")).toEqual({
      status: 503,
      body: { status: "unavailable", reason: "database unreachable" },
    });
    expect((await get(server, "/healthz")).status).toBe(200);
  });

  it.runIf(TEST_ENGINE === "postgres")(
    "answers 503 within the ping's 2 s while PostgreSQL does not answer, and 200 once it does again",
    async () => {
      database = await createE2eDatabase();
      const url = new URL(database.url);
      const link = await blackHoleProxy(url.hostname, Number(url.port || 5432));
      cleanups.push(link.close);
      url.host = `127.0.0.1:${link.port}`;
      const server = start(url.toString());
      await server.ready();
      expect((await get(server, "/readyz")).status).toBe(200);

      link.block();
      const asked = Date.now();
      expect(await get(server, "/readyz")).toEqual({
        status: 503,
        body: { status: "unavailable", reason: "database unreachable" },
      });
      expect(Date.now() - asked).toBeLessThan(4_000);
      expect((await get(server, "/healthz")).status).toBe(200);

      link.unblock();
      await expect.poll(async () => (await get(server, "/readyz")).status).toBe(200);
    },
  );
});

/**
 * A TCP link to PostgreSQL that can stop carrying bytes without closing anything, as a network
 * partition does: queries neither fail nor answer. (Closing the connections instead would make
 * the connection pool emit an error event nothing listens to.)
 */
async function blackHoleProxy(host: string, port: number) {
  let blocked = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(port, host);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from);
      from.on("data", (chunk) => to.write(chunk));
      from.on("error", () => to.destroy());
      from.on("close", () => {
        sockets.delete(from);
        to.destroy();
      });
      if (blocked) from.pause();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    block() {
      blocked = true;
      for (const socket of sockets) socket.pause();
    },
    unblock() {
      blocked = false;
      for (const socket of sockets) socket.resume();
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
