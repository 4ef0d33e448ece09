import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type CallScope,
  InboundCallBudget,
} from "../../packages/partnerkit/src/vercel/call-scope.ts";
import {
  VercelApiError,
  VercelClient,
  type VercelRetryOptions,
} from "../../packages/partnerkit/src/vercel/vercel-client.ts";
import { TEST_WEBHOOK_SECRET } from "../support/partner-app.ts";
import { emulatedVercelApi } from "../support/vercel-fake.ts";

let vercel: Awaited<ReturnType<typeof emulatedVercelApi>>;
/** The path of every request sent, answered or not. */
let sent: string[];

beforeEach(async () => {
  vercel = await emulatedVercelApi();
  sent = [];
});

/** The emulator answers in-process; this gives up on an answer when the attempt's signal fires. */
function abortableFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  sent.push(new URL(input instanceof Request ? input.url : input).pathname);
  const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
  const answer = vercel.fetch(input, init);
  if (!signal) return answer;
  return Promise.race([
    answer,
    new Promise<Response>((_resolve, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    }),
  ]);
}

function client(
  retry: VercelRetryOptions = {},
  timeoutMs = 2_000,
  scope?: CallScope,
): VercelClient {
  return new VercelClient({
    baseUrl: "https://api.vercel.test",
    accessToken: "vercel_installation_token_secret",
    installationId: "icfg_1",
    log: pino({ level: "silent" }),
    fetch: abortableFetch,
    retry: { initialIntervalMs: 1, maxIntervalMs: 5, maxElapsedMs: 3_000, ...retry },
    timeoutMs,
    scope,
  });
}

const attempts = (path: string) => sent.filter((sentPath) => sentPath.includes(path)).length;

const rotate = (vercelClient: VercelClient) =>
  vercelClient.rotateCredential({ secret: TEST_WEBHOOK_SECRET });

describe("VercelClient: calls that must not be repeated", () => {
  it("sends a credential rotation answered 500 once", async () => {
    vercel.faults.add({ path: "/credentials/rotate", status: 500 });
    await expect(rotate(client())).rejects.toMatchObject({ status: 500 });
    expect(attempts("/credentials/rotate")).toBe(1);
  });

  it("sends a credential rotation that timed out once", async () => {
    vercel.faults.add({ path: "/credentials/rotate", delayMs: 1_000 });
    await expect(rotate(client({}, 100))).rejects.toBeInstanceOf(VercelApiError);
    expect(attempts("/credentials/rotate")).toBe(1);
  });

  it("sends a refund answered 503 once", async () => {
    vercel.faults.add({ path: "/actions", status: 503 });
    await expect(
      client().refundInvoice("inv_1", { reason: "goodwill", total: "1.00" }),
    ).rejects.toMatchObject({ status: 503 });
    expect(attempts("/actions")).toBe(1);
  });

  it("sends an invoice without externalId answered 500 once", async () => {
    vercel.faults.add({ path: "/billing/invoices", status: 500 });
    await expect(
      client().submitInvoice({
        invoiceDate: "2026-01-31T00:00:00.000Z",
        period: { start: "2026-01-01T00:00:00.000Z", end: "2026-02-01T00:00:00.000Z" },
        items: [],
      }),
    ).rejects.toMatchObject({ status: 500 });
    expect(attempts("/billing/invoices")).toBe(1);
  });

  it("retries a credential rotation refused with 429, which Vercel did not act on", async () => {
    vercel.faults.add({ path: "/credentials/rotate", status: 429, retryAfterSeconds: 0, times: 1 });
    const rotated = await rotate(client());
    expect(rotated).toMatchObject({ accessToken: expect.any(String) });
    expect(vercel.calls().map((call) => call.status)).toEqual([429, 200]);
  });
});

describe("VercelClient: idempotent calls", () => {
  it("retries an installation update answered 500 and 503", async () => {
    vercel.faults
      .add({ method: "PATCH", path: "/v1/installations/icfg_1", status: 500, times: 1 })
      .add({ method: "PATCH", path: "/v1/installations/icfg_1", status: 503, times: 1 });
    await client().updateInstallation({ status: "ready" });
    expect(vercel.calls().map((call) => call.status)).toEqual([500, 503, 204]);
  });

  it("retries a deployment read that timed out", async () => {
    vercel.createDeployment("dpl_1");
    vercel.faults.add({ path: "/v13/deployments/", delayMs: 1_000, times: 1 });
    const deployment = await client({}, 100).getDeployment("dpl_1");
    expect(deployment).toMatchObject({ gitSource: { ref: "feature-x" } });
    expect(attempts("/v13/deployments/")).toBe(2);
  });

  it("gives up on a call that keeps failing once maxElapsedMs has passed", async () => {
    vercel.faults.add({ method: "PATCH", status: 502 });
    const started = Date.now();
    await expect(
      client({ initialIntervalMs: 20, maxIntervalMs: 20, maxElapsedMs: 200 }).updateInstallation({
        status: "ready",
      }),
    ).rejects.toMatchObject({ status: 502 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(attempts("/v1/installations/icfg_1")).toBeGreaterThan(2);
  });
});

describe("VercelClient: Retry-After", () => {
  it("waits as long as Retry-After says, beyond the backoff interval", async () => {
    vercel.faults.add({ method: "PATCH", status: 429, retryAfterSeconds: 1, times: 1 });
    const started = Date.now();
    await client({ maxIntervalMs: 5 }).updateInstallation({ status: "ready" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(vercel.calls().map((call) => call.status)).toEqual([429, 204]);
  });

  it("fails at once, without calling sooner, when Retry-After is beyond maxRetryAfterMs", async () => {
    vercel.faults.add({ method: "PATCH", status: 429, retryAfterSeconds: 2 });
    const started = Date.now();
    await expect(
      client({ maxRetryAfterMs: 1_000 }).updateInstallation({ status: "ready" }),
    ).rejects.toMatchObject({ status: 429 });
    expect(Date.now() - started).toBeLessThan(500);
    expect(attempts("/v1/installations/icfg_1")).toBe(1);
  });
});

describe("VercelClient: calls made while a Partner API request waits", () => {
  it("stops retrying when the request's budget is spent", async () => {
    vercel.faults.add({ method: "PATCH", status: 503 });
    const slow = client({ initialIntervalMs: 50, maxIntervalMs: 50, maxElapsedMs: 60_000 }, 2_000, {
      budget: new InboundCallBudget(300),
    });
    const started = Date.now();
    await expect(slow.updateInstallation({ status: "ready" })).rejects.toMatchObject({
      status: 503,
    });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("does not wait out a Retry-After that ends after the request's budget", async () => {
    vercel.faults.add({ method: "PATCH", status: 429, retryAfterSeconds: 5 });
    const started = Date.now();
    await expect(
      client({}, 2_000, { budget: new InboundCallBudget(2_000) }).updateInstallation({
        status: "ready",
      }),
    ).rejects.toMatchObject({ status: 429 });
    expect(Date.now() - started).toBeLessThan(500);
    expect(attempts("/v1/installations/icfg_1")).toBe(1);
  });

  it("cuts an attempt's timeout to what is left of the budget", async () => {
    vercel.faults.add({ method: "PATCH", delayMs: 5_000 });
    const started = Date.now();
    await expect(
      client({}, 10_000, { budget: new InboundCallBudget(1_200) }).updateInstallation({
        status: "ready",
      }),
    ).rejects.toBeInstanceOf(VercelApiError);
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it("gives work left running after the answer the background policy", async () => {
    const budget = new InboundCallBudget(10);
    const later = new Promise((resolve) => setTimeout(resolve, 50)).then(() =>
      client({ maxIntervalMs: 5 }, 2_000, { budget }).updateInstallation({ status: "ready" }),
    );
    budget.close(); // the request was answered
    vercel.faults.add({ method: "PATCH", status: 429, retryAfterSeconds: 1, times: 1 });
    await later;
    expect(vercel.calls().map((call) => call.status)).toEqual([429, 204]);
  });
});

describe("VercelClient: calls made by a job that is stopped", () => {
  it("cuts the attempt in flight when the job's signal aborts, and does not retry", async () => {
    vercel.faults.add({ path: "/billing/finalize", delayMs: 5_000 });
    const stop = new AbortController();
    const started = Date.now();
    const finalizing = client({}, 10_000, { signal: stop.signal }).finalizeInstallation();
    setTimeout(() => stop.abort(), 100);
    await expect(finalizing).rejects.toBeInstanceOf(VercelApiError);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(attempts("/billing/finalize")).toBe(1);
  });

  it("gives up a retry it was waiting for", async () => {
    vercel.faults.add({ path: "/billing/finalize", status: 429, retryAfterSeconds: 5 });
    const stop = new AbortController();
    const started = Date.now();
    const finalizing = client({ maxRetryAfterMs: 10_000, maxElapsedMs: 30_000 }, 2_000, {
      signal: stop.signal,
    }).finalizeInstallation();
    setTimeout(() => stop.abort(), 100);
    await expect(finalizing).rejects.toMatchObject({ status: 429 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(attempts("/billing/finalize")).toBe(1);
  });
});

describe("VercelClient over HTTP, with the fetch it sends with by default", () => {
  let served: ServerType;
  let baseUrl: string;
  beforeEach(async () => {
    served = await new Promise<ServerType>((resolve) => {
      const server = serve(
        { fetch: vercel.emulator.app.fetch, port: 0, hostname: "127.0.0.1" },
        () => resolve(server),
      );
    });
    baseUrl = `http://127.0.0.1:${(served.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    (served as Server).closeAllConnections();
    served.close();
  });

  const overHttp = (timeoutMs = 2_000) =>
    new VercelClient({
      baseUrl,
      accessToken: "vercel_installation_token_secret",
      installationId: "icfg_1",
      log: pino({ level: "silent" }),
      retry: { initialIntervalMs: 1, maxIntervalMs: 5, maxElapsedMs: 3_000 },
      timeoutMs,
    });
  const statuses = (path: string) =>
    vercel
      .calls()
      .filter((call) => call.path.includes(path))
      .map((call) => call.status);

  it("retries an SDK call answered 503 and one that timed out, then succeeds", async () => {
    vercel.faults
      .add({ method: "PATCH", path: "/v1/installations/icfg_1", status: 503, times: 1 })
      .add({ method: "PATCH", path: "/v1/installations/icfg_1", delayMs: 1_000, times: 1 });
    await overHttp(200).updateInstallation({ status: "ready" });
    // The emulator records the call it delayed once its answer is due: 499, the client gave up.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(statuses("/v1/installations/icfg_1").sort()).toEqual([204, 499, 503]);
  });

  it("sends a credential rotation that timed out once", async () => {
    vercel.faults.add({ path: "/credentials/rotate", delayMs: 1_000 });
    await expect(rotate(overHttp(100))).rejects.toBeInstanceOf(VercelApiError);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(statuses("/credentials/rotate")).toHaveLength(1);
  });

  it("reads a deployment outside the SDK", async () => {
    vercel.createDeployment("dpl_http");
    expect(await overHttp().getDeployment("dpl_http")).toMatchObject({
      gitSource: { ref: "feature-x" },
    });
  });
});
