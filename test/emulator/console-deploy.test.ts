import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { postForm } from "../support/forms.ts";
import { emulatedMarketplace, installWithKv, type Marketplace } from "../support/marketplace.ts";

let market: Marketplace;
beforeEach(async () => {
  market = await emulatedMarketplace();
});
afterEach(() => market.close());

async function connectedProject(actions: string[]) {
  const { emulator } = market;
  const { installation, resource } = await installWithKv(emulator);
  const connect = await emulator.app.request(
    `/installations/${installation.id}/resources/${resource.id}/connect`,
    postForm({ project: "web", environments: ["preview", "production"], actions }),
  );
  expect(connect.status).toBe(303);
  const projectId = connect.headers.get("location")?.split("?")[0]?.split("/").pop() ?? "";
  return { installation, resource, projectId };
}

describe("console: deployments and webhooks", () => {
  it("offers the product's actions when connecting, and deploys through them to ready", async () => {
    const { installation, resource, projectId } = await connectedProject(["branch"]);
    const resourcePage = await market.emulator.app.request(
      `/installations/${installation.id}/resources/${resource.id}`,
    );
    expect(await resourcePage.text()).toContain('name="actions" value="branch"');
    expect(market.emulator.state.projects.get(projectId)?.connections[0]?.actions).toEqual([
      "branch",
    ]);

    const deploy = await market.emulator.app.request(
      `/projects/${projectId}/deployments`,
      postForm({ target: "preview", ref: "feature-login" }),
    );
    expect(deploy.status).toBe(303);
    const deploymentPath = deploy.headers.get("location") ?? "";
    const deploymentId = deploymentPath.split("/").pop() ?? "";
    await market.emulator.deployments.waitUntilSettled(deploymentId, 10_000);

    const page = await (await market.emulator.app.request(deploymentPath)).text();
    expect(page).toContain('<span class="status ready">ready</span>');
    expect(page).toContain('<span class="status succeeded">succeeded</span>');
    expect(page).toContain("KV_REST_API_URL");
    expect(page).toContain(`/kv/${resource.id}--${deploymentId}`);
    expect(page).not.toContain('http-equiv="refresh"');
    const project = await (await market.emulator.app.request(`/projects/${projectId}`)).text();
    expect(project).toContain(deploymentId);
    expect(project).toContain("feature-login");
  });

  it("reloads a provisioning deployment's page and cancels it on request", async () => {
    const { projectId } = await connectedProject(["branch"]);
    market.emulator.vercelApi.faults.add({ path: "/v13/deployments", delayMs: 300 });
    const deploy = await market.emulator.app.request(
      `/projects/${projectId}/deployments`,
      postForm({ target: "production" }),
    );
    const deploymentPath = deploy.headers.get("location") ?? "";
    const provisioning = await (await market.emulator.app.request(deploymentPath)).text();
    expect(provisioning).toContain('<meta http-equiv="refresh" content="1"');
    expect(provisioning).toContain("provisioning");

    const cancel = await market.emulator.app.request(`${deploymentPath}/cancel`, postForm({}));
    expect(cancel.status).toBe(303);
    const canceled = await (await market.emulator.app.request(deploymentPath)).text();
    expect(canceled).toContain('<span class="status canceled">canceled</span>');
    expect(await market.emulator.app.request("/deployments/dpl_nope")).toHaveProperty(
      "status",
      404,
    );
  });

  it("triggers any event with a sample payload, signed or tampered", async () => {
    const { installation } = await connectedProject([]);
    const page = await (
      await market.emulator.app.request("/webhooks?type=marketplace.member.changed")
    ).text();
    expect(page).toContain(installation.id);
    // The sample is about the installation picked, the newest by default.
    expect(page).toContain(`<option value="${installation.id}" selected>`);
    const other = await market.emulator.partner.install();
    const picked = await (
      await market.emulator.app.request(
        `/webhooks?type=marketplace.member.changed&installationId=${installation.id}`,
      )
    ).text();
    expect(picked).toContain(`<option value="${installation.id}" selected>`);
    expect(picked).toContain(`&quot;installationId&quot;: &quot;${installation.id}&quot;`);
    expect(picked).not.toContain(`&quot;installationId&quot;: &quot;${other.id}&quot;`);

    const payload = JSON.stringify({
      installationId: installation.id,
      memberId: "u1",
      role: "USER",
    });
    const sent = await market.emulator.app.request(
      "/webhooks",
      postForm({ type: "marketplace.member.changed", payload, duplicates: "1" }),
    );
    const text = await sent.text();
    expect(text).toContain('<span class="status succeeded">succeeded</span>');
    const deliveries = market.emulator.calls({ direction: "webhook" });
    expect(deliveries.map((call) => call.status)).toEqual([200, 200]);
    const eventId = String((deliveries[0]?.requestBody as { id?: string } | undefined)?.id);
    expect(await market.partner.store.getWebhookEvent(eventId)).toBeDefined();

    const tampered = await market.emulator.app.request(
      "/webhooks",
      postForm({ type: "marketplace.member.changed", payload, tamper: "body" }),
    );
    // A deliberate tamper that the partner refuses is the expected outcome, not a failure.
    expect(await tampered.text()).toContain(
      '<span class="status succeeded">succeeded</span> rejected as expected',
    );
    expect(market.emulator.calls({ direction: "webhook" }).at(-1)?.status).toBe(401);

    const invalid = await market.emulator.app.request(
      "/webhooks",
      postForm({ type: "marketplace.member.changed", payload: "{not json" }),
    );
    expect(invalid.status).toBe(400);
    expect(await invalid.text()).toContain("not valid JSON");
  });
});
