import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { acmeKvPlans } from "../../examples/acme-kv/src/plans.ts";
import type { CheckDefinition } from "../../packages/partnerkit/src/core/checks-types.ts";
import {
  defineIntegration,
  defineProduct,
} from "../../packages/partnerkit/src/core/define-integration.ts";
import { deploymentPage } from "../../packages/partnerkit/src/emulator/console/deployment-pages.ts";
import { DeploymentSimulator } from "../../packages/partnerkit/src/emulator/deployments.ts";
import { CallRecorder } from "../../packages/partnerkit/src/emulator/recorder.ts";
import { WebhookSender } from "../../packages/partnerkit/src/emulator/webhook-sender.ts";
import { PUBLIC_URL, TEST_WEBHOOK_SECRET } from "../support/partner-app.ts";
import { type CheckWorld, checkWorld, eventually } from "./check-world.ts";

let world: CheckWorld;
afterEach(() => world.partner.close());

type Check = CheckDefinition<Record<string, unknown>>;

function withCheck(check: Check) {
  return () =>
    defineIntegration({
      products: [
        defineProduct({
          id: "acme-kv",
          metadata: z.object({ region: z.string() }),
          plans: acmeKvPlans,
          provision: async () => ({ secrets: [] }),
          checks: { smoke: check },
        }),
      ],
    });
}

/**
 * The emulator's deployments with checks: the project is connected to the resource, the product
 * declares `smoke`, and the checkrun webhooks reach the partner signed, over its webhook route.
 */
function deployments(blocking: boolean) {
  const { state, vercelApi } = world.emulator;
  const project = state.createProject("web");
  state.connect(project.id, { resourceId: world.resource.id, environments: ["preview"] });
  const sender = new WebhookSender({
    url: `${PUBLIC_URL}/webhooks`,
    secret: TEST_WEBHOOK_SECRET,
    recorder: new CallRecorder(),
    fetch: async (request) => world.partner.app.fetch(request),
  });
  const simulator = new DeploymentSimulator({
    state,
    store: vercelApi.store,
    sendActionEvent: () => Promise.reject(new Error("no actions here")),
    checks: {
      declared: () => [{ name: "smoke", blocking }],
      send: (event, run) =>
        sender.deliver(sender.envelope(`deployment.checkrun.${event}`, world.runPayload(run))),
    },
  });
  return { project, simulator };
}

async function settled(simulator: DeploymentSimulator, id: string) {
  await eventually(async () => {
    await world.partner.jobs.drain();
    return simulator.get(id)?.state !== "provisioning";
  });
  return simulator.get(id);
}

describe("the emulator runs a product's checks on deploy (spec §8)", () => {
  it("holds the deployment until the blocking check passes, then it is ready", async () => {
    world = await checkWorld({
      integration: withCheck({ run: async () => ({ conclusion: "succeeded" }) }),
    });
    const { project, simulator } = deployments(true);
    const deployment = await simulator.deploy(project.id);
    expect(deployment.state).toBe("provisioning");
    const done = await settled(simulator, deployment.id);
    expect(done?.state).toBe("ready");
    const [run] = world.book.ofDeployment(deployment.id);
    expect(run && world.updates(run)).toEqual(["running", "completed succeeded"]);
    // The console's deployment page lists the run with its conclusion.
    const names = {
      projectOf: (id: string) => world.emulator.state.projects.get(id),
      resourceOf: (id: string) => world.emulator.state.resources.get(id),
    };
    const page = String(deploymentPage(simulator.get(deployment.id) ?? deployment, names));
    expect(page).toContain("<code>smoke</code>");
    expect(page).toContain("succeeded");
  });

  it("fails the deployment when a blocking check fails", async () => {
    world = await checkWorld({
      integration: withCheck({
        run: async () => ({ conclusion: "failed", conclusionText: "broken" }),
      }),
    });
    const { project, simulator } = deployments(true);
    const deployment = await simulator.deploy(project.id);
    const done = await settled(simulator, deployment.id);
    expect(done?.state).toBe("error");
    expect(world.emulator.vercelApi.store.deployment(deployment.id)?.readyState).toBe("ERROR");
  });

  it("does not wait for a check that is not blocking", async () => {
    world = await checkWorld({
      integration: withCheck({ run: async () => ({ conclusion: "failed" }) }),
    });
    const { project, simulator } = deployments(false);
    const deployment = await simulator.deploy(project.id);
    expect(deployment.state).toBe("ready");
    await eventually(async () => {
      await world.partner.jobs.drain();
      return world.book.ofDeployment(deployment.id)[0]?.status === "completed";
    });
    expect(simulator.get(deployment.id)?.state).toBe("ready");
  });

  it("canceling the deployment cancels its running check, whose signal fires", async () => {
    let sawAbort = false;
    let started = false;
    world = await checkWorld({
      integration: withCheck({
        run: (ctx) =>
          new Promise((resolve) => {
            started = true;
            ctx.signal.addEventListener("abort", () => {
              sawAbort = true;
              resolve({ conclusion: "succeeded" });
            });
          }),
      }),
    });
    const { project, simulator } = deployments(true);
    const deployment = await simulator.deploy(project.id);
    // The start is delivered in the background: wait for its job before working on it.
    await eventually(
      async () => (await world.partner.store.listJobs({ kind: "webhook-check" })).length === 1,
    );
    const working = world.partner.jobs.drain();
    await eventually(() => started);
    await simulator.cancel(deployment.id);
    await world.otherInstance().drain();
    await working;
    expect(sawAbort).toBe(true);
    const [run] = world.book.ofDeployment(deployment.id);
    expect(run?.conclusion).toBe("canceled");
    expect(run && world.updates(run)).toEqual(["running", "completed canceled (repeat)"]);
    expect(simulator.get(deployment.id)?.state).toBe("canceled");
  });
});
