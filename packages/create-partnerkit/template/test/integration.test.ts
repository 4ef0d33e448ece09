import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { PartnerCallError } from "partnerkit/emulator";
import { createTestMarketplace, type TestMarketplace } from "partnerkit/testing";
import integration from "../src/integration.ts";

// Your integration and the Marketplace emulator in this process: the emulator makes the signed
// calls and sends the webhooks Vercel would, and checks your answers as Vercel does.
let market: TestMarketplace;
before(async () => {
  market = await createTestMarketplace({ integration });
});
after(() => market.close());

async function installAndProvision() {
  const { partner } = market.emulator;
  const installation = await partner.install();
  const resource = await partner.provision(installation.id, {
    productId: "__PRODUCT_ID__",
    name: "main",
    metadata: { region: "fra1" },
    billingPlanId: "free",
  });
  return { installation, resource };
}

test("a provisioned resource is ready with its URL and API key", async () => {
  const { resource } = await installAndProvision();

  assert.equal(resource.status, "ready");
  const secrets = new Map(resource.secrets.map((secret) => [secret.name, secret.value]));
  assert.equal(secrets.get("__ENV_PREFIX___URL"), `https://fra1.api.example.com/${resource.id}`);
  assert.match(secrets.get("__ENV_PREFIX___API_KEY") ?? "", /^sk_/);
});

test("metadata outside the schema is refused with a 400", async () => {
  const installation = await market.emulator.partner.install();

  await assert.rejects(
    market.emulator.partner.provision(installation.id, {
      productId: "__PRODUCT_ID__",
      name: "main",
      metadata: { region: "mars" },
      billingPlanId: "free",
    }),
    (error) => {
      assert.ok(error instanceof PartnerCallError);
      assert.equal(error.answer.status, 400);
      assert.match(JSON.stringify(error.answer.body), /region/);
      return true;
    },
  );
});

test("a deployment waits for the action and gets its own API key", async () => {
  const { emulator } = market;
  const { installation, resource } = await installAndProvision();
  const project = emulator.state.createProject("my-app");
  emulator.state.connect(project.id, {
    resourceId: resource.id,
    environments: ["preview", "production"],
    actions: ["deployment-key"],
  });

  const started = await emulator.deployments.deploy(project.id, { ref: "feature-x" });
  const deployment = await emulator.deployments.waitUntilSettled(started.id, 10_000);

  assert.equal(deployment.state, "ready");
  const reports = emulator.vercelApi.store
    .listActions(installation.id)
    .flatMap((action) => action.reports);
  assert.equal(reports.filter((report) => report.status === "succeeded").length, 1);
  const projectKey = emulator.state.projectEnv(project.id, "preview").__ENV_PREFIX___API_KEY;
  assert.match(deployment.env.__ENV_PREFIX___API_KEY ?? "", /^sk_/);
  assert.notEqual(deployment.env.__ENV_PREFIX___API_KEY, projectKey);
});
