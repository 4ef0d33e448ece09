import { afterEach, expect, it } from "vitest";
import { freePort } from "../../bench/lib/free-port.ts";
import {
  type BootServer,
  listenWhileLoading,
} from "../../packages/partnerkit/src/cli/boot-server.ts";

let boot: BootServer | undefined;

afterEach(async () => {
  await boot?.close();
  boot = undefined;
});

async function bootOnFreePort(): Promise<string> {
  const port = await freePort();
  boot = await listenWhileLoading(port);
  return `http://127.0.0.1:${port}`;
}

it("answers liveness at once and readiness 503 while the runtime loads", async () => {
  const url = await bootOnFreePort();
  const live = await fetch(`${url}/healthz`);
  expect(live.status).toBe(200);
  expect(await live.json()).toEqual({ status: "ok" });
  const ready = await fetch(`${url}/readyz`);
  expect(ready.status).toBe(503);
  expect(await ready.json()).toEqual({ status: "starting", reason: "loading" });
});

it("holds other requests, body unread, and serves them once the runtime takes over", async () => {
  const url = await bootOnFreePort();
  const answered = fetch(`${url}/v1/installations/icfg_1`, {
    method: "PUT",
    body: JSON.stringify({ scopes: ["read"] }),
  });
  let settled = false;
  void answered.then(() => {
    settled = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(settled).toBe(false);

  boot?.handOver((request, response) => {
    let body = "";
    request.setEncoding("utf8").on("data", (chunk: string) => {
      body += chunk;
    });
    request.on("end", () => {
      response.writeHead(201, { "content-type": "application/json" });
      response.end(JSON.stringify({ method: request.method, url: request.url, body }));
    });
  });
  const response = await answered;
  expect(response.status).toBe(201);
  expect(await response.json()).toEqual({
    method: "PUT",
    url: "/v1/installations/icfg_1",
    body: '{"scopes":["read"]}',
  });
  // From now on the runtime answers the probes too.
  expect((await fetch(`${url}/healthz`)).status).toBe(201);
});

it("answers held requests 503 with Retry-After when the runtime never takes over", async () => {
  const url = await bootOnFreePort();
  const answered = fetch(`${url}/v1/installations/icfg_1`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const closing = boot?.close();
  boot = undefined;
  const response = await answered;
  expect(response.status).toBe(503);
  expect(response.headers.get("retry-after")).toBe("5");
  expect(await response.json()).toMatchObject({ error: { code: "not_ready" } });
  await closing;
});

it("reports a port already in use instead of listening twice", async () => {
  const url = await bootOnFreePort();
  await expect(listenWhileLoading(Number(new URL(url).port))).rejects.toMatchObject({
    code: "EADDRINUSE",
  });
});
