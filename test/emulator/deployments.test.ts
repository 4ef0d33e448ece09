import { afterEach, describe, expect, it } from "vitest";
import { branchNamespace } from "../../examples/acme-kv/src/integration.ts";
import type { EmulatorOptions } from "../../packages/partnerkit/src/emulator/emulator.ts";
import type { Environment } from "../../packages/partnerkit/src/emulator/env-vars.ts";
import { emulatedMarketplace, installWithKv, type Marketplace } from "../support/marketplace.ts";
import { PUBLIC_URL } from "../support/partner-app.ts";

let market: Marketplace;
afterEach(() => market.close());

const ALL: Environment[] = ["development", "preview", "production"];

/** Installs, provisions an Acme KV resource and connects it to a project running `actions`. */
async function projectWithKv(
  actions: string[],
  environments: Environment[] = ALL,
  emulatorOptions: Partial<EmulatorOptions> = {},
) {
  market = await emulatedMarketplace({ emulator: emulatorOptions });
  const { emulator } = market;
  const { installation, resource } = await installWithKv(emulator);
  const project = emulator.state.createProject("my-app");
  emulator.state.connect(project.id, { resourceId: resource.id, environments, actions });
  return { installation, resource, project };
}

/** The deployment action webhooks sent so far, by type (the lifecycle ones are tested apart). */
const actionWebhooks = () =>
  market.emulator
    .calls({ direction: "webhook" })
    .map((call) => (call.requestBody as { type: string }).type)
    .filter((type) => type.startsWith("deployment.integration.action."));

const kvGet = (market: Marketplace, url: string, token: string) =>
  market.partner.app.request(`${url.replace(PUBLIC_URL, "")}/keys/greeting`, {
    headers: { authorization: `Bearer ${token}` },
  });

describe("deployment simulation (spec §7)", () => {
  it("holds the deployment until the branch action succeeds, then gives it the branch's env", async () => {
    const { resource, project } = await projectWithKv(["branch"]);
    const deploying = await market.emulator.deployments.deploy(project.id, { ref: "feature-x" });
    const deployment = await market.emulator.deployments.waitUntilSettled(deploying.id, 10_000);

    expect(deployment.state).toBe("ready");
    expect(deployment.actions).toEqual([
      expect.objectContaining({ resourceId: resource.id, action: "branch", status: "succeeded" }),
    ]);
    const namespace = branchNamespace(resource.id, deployment.id);
    expect(deployment.env.KV_REST_API_URL).toBe(`${PUBLIC_URL}/kv/${namespace}`);
    // The project keeps the main database; only this deployment sees the branch.
    expect(market.emulator.state.projectEnv(project.id, "preview").KV_REST_API_URL).toBe(
      `${PUBLIC_URL}/kv/${resource.id}`,
    );
    expect(market.emulator.vercelApi.store.deployments.get(deployment.id)?.readyState).toBe(
      "READY",
    );
    const branchToken = deployment.env.KV_REST_API_TOKEN ?? "";
    expect((await kvGet(market, deployment.env.KV_REST_API_URL ?? "", branchToken)).status).toBe(
      404,
    );
    expect(actionWebhooks()).toEqual(["deployment.integration.action.start"]);
  });

  it("is ready at once when no action is configured, with the project's env", async () => {
    const { project } = await projectWithKv([]);
    const deployment = await market.emulator.deployments.deploy(project.id, {
      target: "production",
    });
    expect(deployment.state).toBe("ready");
    expect(deployment.environment).toBe("production");
    expect(Object.keys(deployment.env)).toEqual(["KV_REST_API_URL", "KV_REST_API_TOKEN"]);
    expect(actionWebhooks()).toEqual([]);
  });

  it("runs only the actions of connections that include the deployment's environment", async () => {
    const { project } = await projectWithKv(["branch"], ["production"]);
    const deployment = await market.emulator.deployments.deploy(project.id);
    expect(deployment.state).toBe("ready");
    expect(deployment.actions).toEqual([]);
  });

  it("deleting a deployment sends cleanup, and the branch's credentials stop working", async () => {
    const { project } = await projectWithKv(["branch"]);
    const started = await market.emulator.deployments.deploy(project.id);
    const deployment = await market.emulator.deployments.waitUntilSettled(started.id, 10_000);
    const url = deployment.env.KV_REST_API_URL ?? "";
    const token = deployment.env.KV_REST_API_TOKEN ?? "";
    expect((await kvGet(market, url, token)).status).toBe(404);

    await market.emulator.deployments.remove(deployment.id);
    expect(deployment.state).toBe("deleted");
    // The partner's running job queue handles the cleanup webhook on its own.
    await expect.poll(async () => (await kvGet(market, url, token)).status).toBe(401);
    expect(actionWebhooks()).toEqual([
      "deployment.integration.action.start",
      "deployment.integration.action.cleanup",
    ]);
  });

  it("deleting the resource deletes its deployments' branches too", async () => {
    const { installation, resource, project } = await projectWithKv(["branch"]);
    const started = await market.emulator.deployments.deploy(project.id);
    const deployment = await market.emulator.deployments.waitUntilSettled(started.id, 10_000);
    const url = deployment.env.KV_REST_API_URL ?? "";
    const token = deployment.env.KV_REST_API_TOKEN ?? "";
    expect((await kvGet(market, url, token)).status).toBe(404);

    await market.emulator.partner.deleteResource(installation.id, resource.id);
    expect((await kvGet(market, url, token)).status).toBe(401);
  });

  it("a canceled deployment sends cancel and takes no success afterwards", async () => {
    const { project } = await projectWithKv(["branch"]);
    // The partner's Vercel calls hang, so the action is still running when the user cancels.
    market.emulator.vercelApi.faults.add({ path: "/v13/deployments", delayMs: 400 });
    const deployment = await market.emulator.deployments.deploy(project.id);
    expect(deployment.state).toBe("provisioning");
    await market.emulator.deployments.cancel(deployment.id);
    expect(deployment.state).toBe("canceled");
    expect(deployment.actions[0]?.status).toBe("canceled");
    await new Promise((resolve) => setTimeout(resolve, 600));
    await market.partner.jobs.drain();
    expect(deployment.state).toBe("canceled");
    expect(market.emulator.vercelApi.store.deployments.get(deployment.id)?.readyState).toBe(
      "CANCELED",
    );
    const reports = market.emulator.vercelApi.store.listActions()[0]?.reports ?? [];
    expect(reports.filter((report) => report.status === "succeeded")).toEqual([]);
    const types = market.emulator
      .calls({ direction: "webhook" })
      .map((call) => (call.requestBody as { type: string }).type);
    expect(types).toContain("deployment.integration.action.cancel");
  });

  it("fails the deployment when the partner never accepts the start webhook", async () => {
    const { project } = await projectWithKv(["branch"], ALL, {
      webhookUrl: `${PUBLIC_URL}/no-such-receiver`,
      webhookRetry: { attempts: 2, baseDelayMs: 1 },
    });
    const deployment = await market.emulator.deployments.deploy(project.id);
    expect(deployment.state).toBe("error");
    expect(deployment.actions[0]).toMatchObject({
      status: "failed",
      statusText: "The start webhook was not accepted (404, 404)",
    });
    expect(market.emulator.vercelApi.store.deployments.get(deployment.id)?.readyState).toBe(
      "ERROR",
    );
  });
});
