import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeFetch } from "../../packages/partnerkit/src/vercel/node-fetch.ts";

interface Received {
  method?: string;
  url?: string;
  authorization?: string;
  contentType?: string;
  body: string;
}

let server: Server;
let base: string;
const received: Received[] = [];

beforeAll(async () => {
  server = createServer(async (request: IncomingMessage, response) => {
    let body = "";
    for await (const chunk of request) body += chunk;
    received.push({
      method: request.method,
      url: request.url,
      authorization: request.headers.authorization,
      contentType: request.headers["content-type"],
      body,
    });
    if (request.url === "/empty") return response.writeHead(204).end();
    if (request.url === "/slow") return setTimeout(() => response.end("late"), 2_000);
    if (request.url === "/slower") return setTimeout(() => response.end("later"), 4_500);
    response.setHeader("set-cookie", ["a=1", "b=2"]);
    response.writeHead(request.url === "/missing" ? 404 : 200, {
      "content-type": "application/json",
    });
    response.end(JSON.stringify({ echoed: body }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

/** A port nothing listens on any more. */
async function closedPort(): Promise<number> {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  return port;
}

describe("the fetch the Vercel client sends with", () => {
  it("sends method, headers and body, and answers status, headers and body as fetch does", async () => {
    const answer = await nodeFetch(`${base}/v1/things`, {
      method: "PATCH",
      headers: { authorization: "Bearer t0k", "content-type": "application/json" },
      body: '{"status":"succeeded"}',
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("application/json");
    expect(answer.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(await answer.json()).toEqual({ echoed: '{"status":"succeeded"}' });
    expect(received.at(-1)).toEqual({
      method: "PATCH",
      url: "/v1/things",
      authorization: "Bearer t0k",
      contentType: "application/json",
      body: '{"status":"succeeded"}',
    });
  });

  it("takes a Request, as @vercel/sdk passes one", async () => {
    const answer = await nodeFetch(
      new Request(`${base}/missing`, {
        method: "POST",
        headers: { authorization: "Bearer sdk" },
        body: "[1]",
      }),
    );
    expect(answer.status).toBe(404);
    expect(received.at(-1)).toMatchObject({
      method: "POST",
      authorization: "Bearer sdk",
      body: "[1]",
    });
  });

  it("keeps the connection open for the next call", async () => {
    let connections = 0;
    const count = () => connections++;
    server.on("connection", count);
    try {
      for (let call = 0; call < 3; call++) await (await nodeFetch(`${base}/again`)).text();
    } finally {
      server.off("connection", count);
    }
    expect(connections).toBeLessThanOrEqual(1);
  });

  it("waits for an answer slower than the idle timeout, then closes the idle connection", async () => {
    const answer = await nodeFetch(`${base}/slower`);
    expect(await answer.text()).toBe("later");
    const open = () =>
      new Promise<number>((resolve, reject) =>
        server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      );
    expect(await open()).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    expect(await open()).toBe(0);
  }, 15_000);

  it("answers a 204 with no body", async () => {
    const answer = await nodeFetch(`${base}/empty`, { method: "DELETE" });
    expect(answer.status).toBe(204);
    expect(answer.body).toBeNull();
  });

  it("fails to connect as fetch does: a TypeError with the cause", async () => {
    const port = await closedPort();
    const failure = await nodeFetch(`http://127.0.0.1:${port}/`).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as TypeError).message).toBe("fetch failed");
    expect((failure as TypeError).cause).toBeDefined();
  });

  it("goes out over TLS for an https URL, failing as fetch does when nothing answers", async () => {
    const port = await closedPort();
    const failure = await nodeFetch(`https://127.0.0.1:${port}/`).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as TypeError & { cause: { code?: string } }).cause.code).toBe("ECONNREFUSED");
  });

  it("rejects with the signal's reason when aborted", async () => {
    const failure = await nodeFetch(`${base}/slow`, { signal: AbortSignal.timeout(50) }).catch(
      (error: unknown) => error,
    );
    expect((failure as Error).name).toBe("TimeoutError");
  });
});
