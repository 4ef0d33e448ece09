import { createTestMarketplace, type TestMarketplace } from "partnerkit/testing";
import { afterEach, describe, expect, it } from "vitest";
import acmeKv from "../../examples/acme-kv/src/index.ts";
import { createE2eDatabase, type E2eDatabase } from "../support/server-process.ts";

let market: TestMarketplace | undefined;
let database: E2eDatabase | undefined;
afterEach(async () => {
  await market?.close();
  await database?.drop();
  market = undefined;
  database = undefined;
});

/** Acme KV, as its module exports it, behind `createPartnerkit` and the emulator. */
async function acmeKvMarketplace(startJobs = true): Promise<TestMarketplace> {
  database = await createE2eDatabase();
  market = await createTestMarketplace({
    integration: acmeKv,
    databaseUrl: database.url,
    startJobs,
  });
  return market;
}

/** An Acme KV resource in `region`, connected to a new project that runs the `branch` action. */
async function connectedKv({ emulator }: TestMarketplace, region: string) {
  const installation = await emulator.partner.install();
  const resource = await emulator.partner.provision(installation.id, {
    productId: "acme-kv",
    name: "cache",
    metadata: { region },
    billingPlanId: "free",
  });
  const project = emulator.state.createProject("web");
  emulator.state.connect(project.id, {
    resourceId: resource.id,
    environments: ["preview"],
    actions: ["branch"],
  });
  return { resource, project };
}

describe("createTestMarketplace (partnerkit/testing)", () => {
  it("runs an integration module end to end: install, provision, its own routes, a deployment action", async () => {
    const market = await acmeKvMarketplace();
    const { emulator, partnerkit } = market;
    const { resource, project } = await connectedKv(market, "fra1");
    const url = resource.secrets.find((secret) => secret.name === "KV_REST_API_URL")?.value;
    const token = resource.secrets.find((secret) => secret.name === "KV_REST_API_TOKEN")?.value;
    expect(url).toBe(`http://partner.test/kv/${resource.id}`);

    // The data plane is the integration's `routes`, served by the same fetch handler.
    const put = await partnerkit.fetch(
      new Request(`${url}/greeting`, {
        method: "PUT",
        headers: { authorization: `Bearer ${token}` },
        body: "hello",
      }),
    );
    expect(put.status).toBe(204);
    const get = await partnerkit.fetch(
      new Request(`${url}/greeting`, { headers: { authorization: `Bearer ${token}` } }),
    );
    expect(await get.text()).toBe("hello");

    const deploying = await emulator.deployments.deploy(project.id);
    const deployment = await emulator.deployments.waitUntilSettled(deploying.id, 10_000);
    expect(deployment.state).toBe("ready");
    expect(deployment.actions).toEqual([
      expect.objectContaining({ action: "branch", status: "succeeded" }),
    ]);
  });

  it("without started jobs, work waits in the queue until drain() or tick() runs it", async () => {
    const market = await acmeKvMarketplace(false);
    const { emulator, partnerkit, drain } = market;
    const { project } = await connectedKv(market, "iad1");
    const first = await emulator.deployments.deploy(project.id);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(emulator.deployments.get(first.id)?.state).toBe("provisioning");
    expect(await drain()).toBeGreaterThan(0);
    // The action's success makes Vercel start Acme KV's blocking check: a second round runs it.
    expect(await settledBy(first.id, drain)).toBe("ready");

    const second = await emulator.deployments.deploy(project.id);
    const { jobs } = await partnerkit.tick({ maxMs: 5_000 });
    expect(jobs).toBeGreaterThan(0);
    expect(
      await settledBy(second.id, async () => (await partnerkit.tick({ maxMs: 5_000 })).jobs),
    ).toBe("ready");

    /** Runs `round` until the deployment settles (each round may queue the next step's webhook). */
    async function settledBy(id: string, round: () => Promise<number>) {
      for (let rounds = 0; rounds < 50; rounds++) {
        const state = emulator.deployments.get(id)?.state;
        if (state === "ready" || state === "error" || state === "canceled") return state;
        await round();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return emulator.deployments.get(id)?.state;
    }
  });
});
