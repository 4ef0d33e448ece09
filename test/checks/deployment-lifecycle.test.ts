import { afterEach, describe, expect, it } from "vitest";
import { acmeKvIntegration } from "../../examples/acme-kv/src/integration.ts";
import type { DeploymentEventPayload } from "../../packages/partnerkit/src/protocol/webhooks.ts";
import { emulatedMarketplace, installWithKv, type Marketplace } from "../support/marketplace.ts";
import { PUBLIC_URL } from "../support/partner-app.ts";

let market: Marketplace;
afterEach(() => market.close());

const LIFECYCLE = [
  "deployment.created",
  "deployment.ready",
  "deployment.succeeded",
  "deployment.error",
  "deployment.canceled",
] as const;

/**
 * Acme KV whose provider handlers note each lifecycle event they get, typed, and the emulator with
 * a project connected to an Acme KV resource running `actions` on preview deployments.
 */
async function marketWithProject(actions: string[], startJobs = true) {
  const handled: { type: string; payload: DeploymentEventPayload }[] = [];
  market = await emulatedMarketplace({
    startJobs,
    integration: (kv) => {
      const integration = acmeKvIntegration({ kv, publicUrl: PUBLIC_URL });
      for (const type of LIFECYCLE) {
        integration.on(type, async (_ctx, payload) => {
          handled.push({ type, payload });
        });
      }
      return integration;
    },
  });
  const { installation, resource } = await installWithKv(market.emulator);
  const project = market.emulator.state.createProject("web");
  market.emulator.state.connect(project.id, {
    resourceId: resource.id,
    environments: ["preview"],
    actions,
  });
  return { handled, installation, project };
}

/** The lifecycle webhooks the emulator sent, in order, with the partner's answers. */
function lifecycleWebhooks() {
  return market.emulator
    .calls({ direction: "webhook" })
    .map((call) => ({
      ...(call.requestBody as { type: string; payload: DeploymentEventPayload }),
      status: call.status,
    }))
    .filter((delivery) => (LIFECYCLE as readonly string[]).includes(delivery.type));
}

describe("the emulator sends a deployment's lifecycle webhooks (spec §6.4)", () => {
  it("created on deploy, then ready and succeeded once built and its blocking check passed", async () => {
    const { handled, installation, project } = await marketWithProject(["branch"]);
    const started = await market.emulator.deployments.deploy(project.id, {
      ref: "feature-x",
      checks: [{ name: "kv-smoke", blocking: true }],
    });
    const deployment = await market.emulator.deployments.waitUntilSettled(started.id, 10_000);
    expect(deployment.state).toBe("ready");
    expect(deployment.checkRuns?.map((run) => run.conclusion)).toEqual(["succeeded"]);

    await expect
      .poll(() => lifecycleWebhooks().map((delivery) => `${delivery.type} ${delivery.status}`))
      .toEqual(["deployment.created 200", "deployment.ready 200", "deployment.succeeded 200"]);
    const [created, , succeeded] = lifecycleWebhooks();
    expect(succeeded?.payload).toEqual({
      team: { id: installation.accountId },
      user: { id: expect.any(String) },
      configuration: { id: installation.id },
      installationIds: [installation.id],
      deployment: {
        id: deployment.id,
        url: deployment.url,
        name: "web",
        meta: expect.objectContaining({ githubCommitRef: "feature-x" }),
        target: null,
      },
      links: {
        deployment: expect.stringMatching(new RegExp(`/web/${deployment.id}$`)),
        project: expect.stringMatching(/\/web$/),
      },
      target: null,
      project: { id: project.id },
      plan: "pro",
      regions: ["iad1"],
    });
    expect(created?.payload.alias).toEqual([expect.stringContaining("-git-feature-x-")]);
    // Recorded like every delivery: the console's timeline lists them.
    const timeline = await market.emulator.fetch(new Request("http://emulator.test/timeline"));
    expect(await timeline.text()).toContain("deployment.succeeded");

    // The provider's typed handlers ran for each (in any order: each has its job), payload parsed.
    await expect
      .poll(() => handled.map(({ type, payload }) => `${type} ${payload.deployment.id}`).sort())
      .toEqual(
        ["created", "ready", "succeeded"].map((event) => `deployment.${event} ${deployment.id}`),
      );
  });

  it("sends deployment.error when an action fails, and the partner takes it", async () => {
    const { handled, project } = await marketWithProject(["no-such-action"]);
    const started = await market.emulator.deployments.deploy(project.id);
    const deployment = await market.emulator.deployments.waitUntilSettled(started.id, 10_000);
    expect(deployment.state).toBe("error");
    await expect
      .poll(() => lifecycleWebhooks().map((delivery) => `${delivery.type} ${delivery.status}`))
      .toEqual(["deployment.created 200", "deployment.error 200"]);
    await expect.poll(() => handled.map(({ type }) => type)).toContain("deployment.error");
  });

  it("sends deployment.canceled when canceled, and the partner processes it without error", async () => {
    const { handled, project } = await marketWithProject(["branch"], false);
    const started = await market.emulator.deployments.deploy(project.id);
    await market.emulator.deployments.cancel(started.id);
    expect(lifecycleWebhooks().map((delivery) => `${delivery.type} ${delivery.status}`)).toEqual([
      "deployment.created 200",
      "deployment.canceled 200",
    ]);
    await market.partner.jobs.drain();
    // The jobs of both deliveries run side by side: either handler may run first.
    expect(handled.map(({ type }) => type).sort()).toEqual([
      "deployment.canceled",
      "deployment.created",
    ]);
    expect(await market.partner.store.listJobs({ status: "dead" })).toEqual([]);
  });

  it("sends nothing for a project no installation of the integration can see", async () => {
    market = await emulatedMarketplace();
    const project = market.emulator.state.createProject("unrelated");
    await market.emulator.deployments.deploy(project.id);
    expect(lifecycleWebhooks()).toEqual([]);
  });
});
