import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { acmeKvPlans } from "../../examples/acme-kv/src/plans.ts";
import { signWebhookPayload } from "../../packages/partnerkit/src/auth/webhook-signature.ts";
import {
  type ActionDefinition,
  defineIntegration,
  defineProduct,
} from "../../packages/partnerkit/src/core/define-integration.ts";
import { PartnerError } from "../../packages/partnerkit/src/core/partner-error.ts";
import {
  createServices,
  FRAMEWORK_JOB_CONCURRENCY,
  frameworkJobHandlers,
  type ServiceOptions,
} from "../../packages/partnerkit/src/core/services.ts";
import { JobRunner } from "../../packages/partnerkit/src/jobs/job-runner.ts";
import { ProvisionResourceResponse } from "../../packages/partnerkit/src/protocol/resources.ts";
import { readBody } from "../support/bodies.ts";
import {
  createTestPartner,
  install,
  provisionBody,
  TEST_WEBHOOK_SECRET,
  type TestPartner,
  type TestPartnerOptions,
} from "../support/partner-app.ts";
import { emulatedVercelApi } from "../support/vercel-fake.ts";

let partner: TestPartner;
let vercel: Awaited<ReturnType<typeof emulatedVercelApi>>;
afterEach(() => partner.close());

const fastRetries = { initialIntervalMs: 1, maxIntervalMs: 5, maxElapsedMs: 200 };
let serviceOptions: ServiceOptions;
const silent = pino({ level: "silent" });

async function setup(
  options: TestPartnerOptions & { runningAfterMs?: number; cancelPollMs?: number } = {},
) {
  vercel = await emulatedVercelApi();
  serviceOptions = {
    vercel: { baseUrl: "https://api.vercel.test", fetch: vercel.fetch, retry: fastRetries },
    actions: {
      runningAfterMs: options.runningAfterMs ?? 1_000,
      statusUrl: () => "https://acme.test/runs",
      cancelPollMs: options.cancelPollMs ?? 20,
    },
  };
  partner = await createTestPartner({ ...options, services: serviceOptions });
  await install(partner);
  const created = await partner.call("POST", "/v1/installations/icfg_1/resources", {
    body: provisionBody(),
  });
  const resource = await readBody(created, ProvisionResourceResponse);
  vercel.knowResource(resource);
  return resource;
}

/** An integration whose `branch` action is the given definition. */
/**
 * A `start` that records "started", works until its signal aborts (or `maxMs`, which fails the
 * test), records whether it saw the abort, and returns a secret.
 */
function workUntilAborted(
  events: string[],
  maxMs: number,
): ActionDefinition<Record<string, unknown>>["start"] {
  return async (ctx) => {
    events.push("started");
    await new Promise((resolve) => {
      ctx.signal.addEventListener("abort", resolve);
      setTimeout(resolve, maxMs);
    });
    events.push(ctx.signal.aborted ? "saw abort" : "finished");
    return { secrets: [{ name: "X", value: "1" }] };
  };
}

function withAction(action: ActionDefinition<Record<string, unknown>>) {
  return () =>
    defineIntegration({
      products: [
        defineProduct({
          id: "acme-kv",
          metadata: z.object({ region: z.string() }),
          plans: acmeKvPlans,
          provision: async () => ({ secrets: [] }),
          actions: { branch: action },
        }),
      ],
    });
}

/**
 * Another instance of the partner on the same database: services and a job runner of its own,
 * sharing nothing in memory with `partner`.
 */
function otherInstance(): JobRunner {
  const services = createServices(partner.integration, partner.store, serviceOptions);
  return new JobRunner({
    store: partner.store,
    log: silent,
    handlers: frameworkJobHandlers(services, silent),
    backoff: { baseMs: 1, maxMs: 5 },
  });
}

let sequence = 0;
async function deliver(type: string, resourceId: string, deploymentId = "dpl_1") {
  if (type === "start") vercel.createDeployment(deploymentId);
  await deliverEvent(`deployment.integration.action.${type}`, {
    installationId: "icfg_1",
    resourceId,
    action: "branch",
    deployment: { id: deploymentId },
  });
}

async function deliverEvent(type: string, payload: Record<string, unknown>) {
  sequence += 1;
  const body = JSON.stringify({
    id: `evt_action_${sequence}`,
    type,
    createdAt: Date.now(),
    payload,
  });
  const response = await partner.app.request("/webhooks", {
    method: "POST",
    headers: { "x-vercel-signature": signWebhookPayload(body, TEST_WEBHOOK_SECRET) },
    body,
  });
  expect(response.status).toBe(200);
}

const kvRequest = (url: string, token: string, init: RequestInit = {}) =>
  partner.app.request(url.replace("http://partner.test", ""), {
    ...init,
    headers: { authorization: `Bearer ${token}` },
  });

describe("deployment integration actions (spec §7)", () => {
  it("branches Acme KV: copies the data, reports succeeded with the branch's credentials", async () => {
    const resource = await setup();
    const [url, token] = resource.secrets.map((secret) => secret.value) as [string, string];
    await kvRequest(`${url}/greeting`, token, { method: "PUT", body: "hello" });

    await deliver("start", resource.id);
    await partner.jobs.drain();

    // Both calls carried the installation's token: the emulator answers 401 otherwise.
    expect(vercel.calls().map((call) => `${call.method} ${call.path} ${call.status}`)).toEqual([
      "GET /v13/deployments/dpl_1 200",
      `PATCH /v1/deployments/dpl_1/integrations/icfg_1/resources/${resource.id}/actions/branch 202`,
    ]);
    const [report] = vercel.reports();
    expect(report?.status).toBe("succeeded");
    const secrets = Object.fromEntries(
      report?.outcomes?.[0]?.secrets.map((s) => [s.name, s.value]) ?? [],
    );
    expect(report?.outcomes?.[0]?.kind).toBe("resource-secrets");
    expect(secrets.KV_REST_API_URL).toBe(`http://partner.test/kv/${resource.id}--dpl_1`);
    const branchToken = secrets.KV_REST_API_TOKEN ?? "";
    expect(await (await kvRequest(`${secrets.KV_REST_API_URL}/greeting`, branchToken)).text()).toBe(
      "hello",
    );
    expect((await kvRequest(`${url}/greeting`, branchToken)).status).toBe(401);

    // Cleanup (deployment deleted) removes the branch: its credentials stop working.
    await deliver("cleanup", resource.id);
    await partner.jobs.drain();
    expect((await kvRequest(`${secrets.KV_REST_API_URL}/greeting`, branchToken)).status).toBe(401);
  });

  it("treats a redelivered start as a no-op: exactly one final status", async () => {
    const resource = await setup();
    await deliver("start", resource.id);
    await partner.jobs.drain();
    await deliver("start", resource.id);
    await partner.jobs.drain();
    expect(vercel.reports().map((report) => report.status)).toEqual(["succeeded"]);
  });

  it("ignores a start redelivered under a new event id while the first still runs, or just after it reported", async () => {
    let runs = 0;
    let release: () => void = () => undefined;
    const resource = await setup({
      integration: withAction({
        start: async () => {
          runs += 1;
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          return { secrets: [{ name: "BRANCH", value: "b" }] };
        },
      }),
    });
    await deliver("start", resource.id);
    const first = partner.jobs.drain();
    for (let wait = 0; wait < 100 && runs === 0; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // Vercel sends the start again (another event id) while the action is still working.
    await deliver("start", resource.id);
    const second = partner.jobs.drain();
    for (let wait = 0; wait < 200; wait++) {
      if ((await partner.store.listJobs({ status: "succeeded" })).length === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(await partner.store.listJobs({ status: "succeeded" })).toHaveLength(1);
    release();
    await Promise.all([first, second]);
    await deliver("start", resource.id);
    await partner.jobs.drain();
    expect(runs).toBe(1);
    expect(vercel.reports().map((report) => report.status)).toEqual(["succeeded"]);
  });

  it("reports running with the status URL when the work takes a while", async () => {
    let gitRef: string | undefined;
    const resource = await setup({
      runningAfterMs: 10,
      integration: withAction({
        start: async (_ctx, { deployment }) => {
          gitRef = deployment.gitRef;
          await new Promise((resolve) => setTimeout(resolve, 60));
          return { secrets: [{ name: "X", value: "1" }] };
        },
      }),
    });
    await deliver("start", resource.id);
    await partner.jobs.drain();
    expect(vercel.reports()).toEqual([
      { status: "running", statusUrl: "https://acme.test/runs" },
      {
        status: "succeeded",
        outcomes: [{ kind: "resource-secrets", secrets: [{ name: "X", value: "1" }] }],
      },
    ]);
    expect(gitRef).toBe("feature-x");
  });

  it("reports failed: the provider's PartnerError message, nothing internal otherwise", async () => {
    let failure: Error = PartnerError.conflict("branch limit", {
      userMessage: "Your plan allows 10 branches.",
    });
    const resource = await setup({
      integration: withAction({ start: async () => Promise.reject(failure) }),
    });
    await deliver("start", resource.id, "dpl_1");
    await partner.jobs.drain();
    failure = new Error("ECONNREFUSED 10.0.0.7:5432");
    await deliver("start", resource.id, "dpl_2");
    await partner.jobs.drain();
    expect(vercel.reports()).toEqual([
      { status: "failed", statusText: "Your plan allows 10 branches." },
      { status: "failed", statusText: "The action failed" },
    ]);
  });

  it("fails an action that outlives its timeout", async () => {
    const resource = await setup({
      integration: withAction({ timeoutMs: 30, start: () => new Promise(() => {}) }),
    });
    await deliver("start", resource.id);
    await partner.jobs.drain();
    expect(vercel.reports()).toEqual([{ status: "failed", statusText: "The action timed out" }]);
  });

  it("cancel aborts the run, calls the provider's cancel, and no success is reported after", async () => {
    const events: string[] = [];
    const resource = await setup({
      integration: withAction({
        start: workUntilAborted(events, 5_000),
        cancel: async () => void events.push("cancel hook"),
      }),
    });
    partner.jobs.start();
    await deliver("start", resource.id);
    await expect.poll(() => events).toContain("started");
    await deliver("cancel", resource.id);
    await expect.poll(() => events.length).toBe(3);
    await partner.jobs.stop();
    // The handler was told to stop; whatever it did after, no success reached Vercel.
    expect([...events].sort()).toEqual(["cancel hook", "saw abort", "started"]);
    expect(vercel.reports().filter((report) => report.status === "succeeded")).toEqual([]);
  });

  it("ignores a start that arrives after its cancel", async () => {
    let started = false;
    const resource = await setup({
      integration: withAction({
        start: async () => {
          started = true;
          return undefined;
        },
      }),
    });
    await deliver("cancel", resource.id);
    await deliver("start", resource.id);
    await partner.jobs.drain();
    expect(started).toBe(false);
    expect(vercel.reports()).toEqual([]);
  });

  it("reads the deployment's git context through a retried 503, and acts without it on a 404", async () => {
    const seen: { gitRef?: string; gitSha?: string; url?: string }[] = [];
    const resource = await setup({
      integration: withAction({
        start: async (_ctx, { deployment }) => {
          seen.push({ gitRef: deployment.gitRef, gitSha: deployment.gitSha, url: deployment.url });
          return {};
        },
      }),
    });
    vercel.faults.add({ method: "GET", path: /\/v13\/deployments\//, status: 503, times: 1 });
    await deliver("start", resource.id);
    await partner.jobs.drain();
    expect(vercel.calls().map((call) => call.status)).toEqual([503, 200, 202]);
    expect(seen[0]?.gitRef).toBe("feature-x");
    expect(seen[0]?.gitSha).toMatch(/^[0-9a-f]+$/);
    expect(seen[0]?.url).toBeTruthy();

    vercel.faults.add({ method: "GET", path: /\/v13\/deployments\//, status: 404, times: 1 });
    await deliver("start", resource.id, "dpl_2");
    await partner.jobs.drain();
    expect(seen[1]).toEqual({ gitRef: undefined, gitSha: undefined, url: undefined });
    expect(vercel.reports().map((report) => report.status)).toEqual(["succeeded", "succeeded"]);
  });

  it("retries Vercel's 429/500 answers and still reports once", async () => {
    const resource = await setup();
    vercel.faults
      .add({ method: "PATCH", path: /\/actions\//, status: 429, retryAfterSeconds: 0, times: 1 })
      .add({ method: "PATCH", path: /\/actions\//, status: 500, times: 1 });
    await deliver("start", resource.id);
    await partner.jobs.drain();
    expect(vercel.calls().map((call) => call.status)).toEqual([200, 429, 500, 202]);
    expect(vercel.reports().map((report) => report.status)).toEqual(["succeeded"]);
    const run = await partner.store.getActionRun({
      deploymentId: "dpl_1",
      resourceId: resource.id,
      action: "branch",
    });
    expect(run).toMatchObject({ status: "succeeded", reported: true });
  });

  it("re-sends the stored final status, without running the work again, when reporting failed", async () => {
    let runs = 0;
    const resource = await setup({
      // A failed attempt is due again only in a minute: one drain() runs exactly one attempt.
      jobBackoff: { baseMs: 60_000, maxMs: 60_000 },
      integration: withAction({
        start: async () => {
          runs += 1;
          return { secrets: [{ name: "X", value: String(runs) }] };
        },
      }),
    });
    vercel.faults.add({ method: "PATCH", path: /\/actions\//, status: 503 });
    await deliver("start", resource.id);
    await partner.jobs.drain();
    const run = await partner.store.getActionRun({
      deploymentId: "dpl_1",
      resourceId: resource.id,
      action: "branch",
    });
    expect(run).toMatchObject({ status: "succeeded", reported: false });
    const patches = () => vercel.calls().filter((call) => call.method === "PATCH");
    expect(patches().length).toBeGreaterThan(0);
    expect(patches().every((call) => call.status === 503)).toBe(true);
    expect(vercel.reports()).toEqual([]);
    const [job] = await partner.store.listJobs({ status: "queued" });
    expect(job).toMatchObject({ attempts: 1 });

    // Vercel is back: the job's next attempt reports the stored result, not a second run's.
    vercel.faults.clear();
    expect(await partner.store.requeueJob(job?.id ?? "")).toBe(true);
    await partner.jobs.drain();
    expect(runs).toBe(1);
    expect(vercel.reports()).toEqual([
      {
        status: "succeeded",
        outcomes: [{ kind: "resource-secrets", secrets: [{ name: "X", value: "1" }] }],
      },
    ]);
    expect(await partner.store.listJobs({ status: "succeeded" })).toHaveLength(1);
  });
});

describe("deployment actions canceled after their work ended", () => {
  it("does not send a final status that was still waiting to reach Vercel when the cancel came", async () => {
    const hooks: string[] = [];
    const resource = await setup({
      jobBackoff: { baseMs: 60_000, maxMs: 60_000 },
      integration: withAction({
        start: async () => {
          hooks.push("start");
          return { secrets: [{ name: "X", value: "1" }] };
        },
        cancel: async () => void hooks.push("cancel"),
      }),
    });
    vercel.faults.add({ method: "PATCH", path: /\/actions\//, status: 503 });
    await deliver("start", resource.id);
    await partner.jobs.drain();
    const [startJob] = await partner.store.listJobs({ status: "queued" });
    await deliver("cancel", resource.id);
    expect(await partner.jobs.drain()).toBe(1);

    vercel.faults.clear();
    expect(await partner.store.requeueJob(startJob?.id ?? "")).toBe(true);
    expect(await partner.jobs.drain()).toBe(1);
    expect(hooks).toEqual(["start", "cancel"]);
    expect(vercel.reports()).toEqual([]);
    const run = await partner.store.getActionRun({
      deploymentId: "dpl_1",
      resourceId: resource.id,
      action: "branch",
    });
    expect(run).toMatchObject({ status: "canceled", reported: false });
    expect(await partner.store.listJobs({ status: "succeeded" })).toHaveLength(2);
  });
});

describe("deployment actions of an installation uninstalled meanwhile", () => {
  it("drops a final status still owed to Vercel once the installation is uninstalled", async () => {
    const resource = await setup({ jobBackoff: { baseMs: 60_000, maxMs: 60_000 } });
    vercel.faults.add({ method: "PATCH", path: /\/actions\//, status: 503 });
    await deliver("start", resource.id);
    await partner.jobs.drain();
    const [startJob] = await partner.store.listJobs({ status: "queued" });
    const uninstalled = await partner.call("DELETE", "/v1/installations/icfg_1", {
      body: { cascadeResourceDeletion: true, reason: "uninstall" },
    });
    expect(uninstalled.status).toBe(200);
    const installation = vercel.state.installations.get("icfg_1");
    if (installation) installation.status = "uninstalled";

    // Vercel answers 410 for a removed installation: re-sending would only fail until the job is dead.
    vercel.faults.clear();
    const patchesBefore = vercel.calls().filter((call) => call.method === "PATCH").length;
    expect(await partner.store.requeueJob(startJob?.id ?? "")).toBe(true);
    await partner.jobs.drain();
    expect(vercel.calls().filter((call) => call.method === "PATCH")).toHaveLength(patchesBefore);
    expect(await partner.store.listJobs({ status: "queued" })).toEqual([]);
    expect(await partner.store.listJobs({ status: "dead" })).toEqual([]);
  });
});

describe("deployment actions across instances on one database", () => {
  it("a cancel processed by another instance aborts the start running here; nothing is reported", async () => {
    const events: string[] = [];
    const resource = await setup({
      integration: withAction({
        start: workUntilAborted(events, 3_000),
        cancel: async () => void events.push("cancel hook"),
      }),
    });
    const instanceB = otherInstance();
    await deliver("start", resource.id);
    const instanceA = partner.jobs.drain();
    await expect.poll(() => events, { timeout: 5_000 }).toContain("started");
    await deliver("cancel", resource.id);
    // B claims the cancel: the start is leased to A, which keeps running it.
    expect(await instanceB.drain()).toBe(1);
    await instanceA;
    expect([...events].sort()).toEqual(["cancel hook", "saw abort", "started"]);
    expect(vercel.reports().filter((report) => report.status !== "running")).toEqual([]);
    const run = await partner.store.getActionRun({
      deploymentId: "dpl_1",
      resourceId: resource.id,
      action: "branch",
    });
    expect(run).toMatchObject({ status: "canceled", reported: false });
    expect(await partner.store.listJobs({ status: "succeeded" })).toHaveLength(2);
  });

  it("a start processed after the deployment's cleanup does nothing", async () => {
    const hooks: string[] = [];
    const resource = await setup({
      integration: withAction({
        start: async () => {
          hooks.push("start");
          return { secrets: [{ name: "X", value: "1" }] };
        },
        cleanup: async () => void hooks.push("cleanup"),
      }),
    });
    await deliver("cleanup", resource.id);
    expect(await otherInstance().drain()).toBe(1);
    await deliver("start", resource.id);
    expect(await partner.jobs.drain()).toBe(1);
    expect(hooks).toEqual([]);
    expect(vercel.calls()).toEqual([]);
    expect(vercel.reports()).toEqual([]);
    const run = await partner.store.getActionRun({
      deploymentId: "dpl_1",
      resourceId: resource.id,
      action: "branch",
    });
    expect(run).toMatchObject({ status: "canceled", cleanedUp: true, reported: false });
  });

  it("a cleanup processed by another instance aborts the start running here", async () => {
    const events: string[] = [];
    const resource = await setup({
      integration: withAction({
        start: workUntilAborted(events, 3_000),
      }),
    });
    await deliver("start", resource.id);
    const instanceA = partner.jobs.drain();
    await expect.poll(() => events, { timeout: 5_000 }).toContain("started");
    await deliver("cleanup", resource.id);
    expect(await otherInstance().drain()).toBe(1);
    await instanceA;
    expect(events).toEqual(["started", "saw abort"]);
    expect(vercel.reports().filter((report) => report.status !== "running")).toEqual([]);
  });

  it("work that ends before this instance notices a cancel processed elsewhere is canceled again", async () => {
    const events: string[] = [];
    let finishWork: () => void = () => undefined;
    const resource = await setup({
      // This instance does not read the run back before the work ends.
      cancelPollMs: 60_000,
      integration: withAction({
        start: async () => {
          events.push("started");
          await new Promise<void>((resolve) => {
            finishWork = resolve;
          });
          events.push("branch created");
          return { secrets: [{ name: "X", value: "1" }] };
        },
        cancel: async () => void events.push("cancel hook"),
      }),
    });
    await deliver("start", resource.id);
    const instanceA = partner.jobs.drain();
    await expect.poll(() => events, { timeout: 5_000 }).toContain("started");
    await deliver("cancel", resource.id);
    expect(await otherInstance().drain()).toBe(1);
    finishWork();
    await instanceA;
    expect(events).toEqual(["started", "cancel hook", "branch created", "cancel hook"]);
    expect(vercel.reports().filter((report) => report.status !== "running")).toEqual([]);
  });
});

describe("deployment actions and the job pools", () => {
  it("slow action starts filling their pool never delay another delivery", async () => {
    let started = 0;
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const resource = await setup({
      integration: withAction({
        start: async () => {
          started += 1;
          await released;
          return {};
        },
      }),
    });
    const members: string[] = [];
    partner.integration.on("marketplace.member.changed", async (_ctx, payload) => {
      members.push(payload.memberId);
    });
    const runner = new JobRunner({
      store: partner.store,
      log: silent,
      handlers: frameworkJobHandlers(partner.services, silent),
      concurrency: FRAMEWORK_JOB_CONCURRENCY,
      pollMs: 10,
    });
    runner.start();
    try {
      for (let index = 0; index < 10; index++) {
        await deliver("start", resource.id, `dpl_${index}`);
      }
      runner.kick();
      await expect.poll(() => started, { timeout: 5_000 }).toBe(8);
      await deliverEvent("marketplace.member.changed", {
        installationId: "icfg_1",
        memberId: "user_2",
        role: "USER",
      });
      runner.kick();
      await expect.poll(() => members, { timeout: 2_000 }).toEqual(["user_2"]);
      expect(started).toBe(8);
    } finally {
      release();
      await runner.stop();
    }
    expect(vercel.reports().filter((report) => report.status === "succeeded")).toHaveLength(8);
  });
});
