import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runEmulatorVerb } from "../../packages/partnerkit/src/cli/emulator-verbs.ts";
import { emulatedMarketplace, type Marketplace } from "../support/marketplace.ts";

let market: Marketplace;
let server: ReturnType<typeof serve>;
let emulatorUrl: string;

beforeEach(async () => {
  market = await emulatedMarketplace();
  server = serve({ fetch: market.emulator.fetch, port: 0 });
  await new Promise((resolve) => server.once("listening", resolve));
  emulatorUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  await market.close();
});

/** Runs `partnerkit emulator <verb> …` against the emulator and parses what it printed. */
async function verb(name: string, ...args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runEmulatorVerb(
    name,
    [...args, "--emulator-url", emulatorUrl],
    {},
    { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) },
  );
  return { code, stdout, stderr, json: () => JSON.parse(stdout || stderr) };
}

describe("partnerkit emulator install|provision|deploy|trigger", () => {
  it("scripts the whole flow: install, provision into a project with an action, deploy to ready", async () => {
    const installed = await verb("install");
    expect(installed.code).toBe(0);
    const installationId: string = installed.json().installation.id;
    expect(installed.stdout).not.toContain("accessToken");
    expect(await market.partner.store.getInstallation(installationId)).toBeDefined();

    const provisioned = await verb(
      "provision",
      "--installation",
      installationId,
      "--metadata",
      '{"region":"fra1"}',
      "--project",
      "web",
      "--actions",
      "branch",
    );
    expect(provisioned.code).toBe(0);
    const { resource, project } = provisioned.json();
    expect(resource).toMatchObject({
      productId: "acme-kv",
      metadata: { region: "fra1" },
      billingPlan: { id: "free" },
      secrets: ["KV_REST_API_URL", "KV_REST_API_TOKEN"],
    });
    expect(project.name).toBe("web");

    // Without --metadata the form's defaults are sent, as a user accepting them would.
    const defaults = await verb("provision", "--installation", installationId, "--name", "second");
    expect(defaults.json(), defaults.stderr).toHaveProperty("resource.metadata", {
      region: "iad1",
    });

    const deployed = await verb("deploy", "--project", "web", "--ref", "feature-x");
    expect(deployed.code).toBe(0);
    const { deployment } = deployed.json();
    expect(deployment).toMatchObject({
      state: "ready",
      ref: "feature-x",
      actions: [{ action: "branch", resourceId: resource.id, status: "succeeded" }],
    });
    expect(deployment.env.KV_REST_API_URL).toContain(`${resource.id}--${deployment.id}`);
  });

  it("triggers an event with a sample payload about the newest installation", async () => {
    const installationId: string = (await verb("install")).json().installation.id;
    const sent = await verb("trigger", "marketplace.member.changed", "--duplicates", "1");
    expect(sent.code).toBe(0);
    const result = sent.json();
    expect(result.delivered).toBe(true);
    expect(result.attempts.map((attempt: { status: number }) => attempt.status)).toEqual([
      200, 200,
    ]);
    expect(result.envelope.payload.installationId).toBe(installationId);
    expect(await market.partner.store.getWebhookEvent(result.envelope.id)).toBeDefined();

    const tampered = await verb("trigger", "marketplace.member.changed", "--tamper", "signature");
    expect(tampered.json().attempts[0].status).toBe(401);
  });

  it("explains bad usage and refusals instead of failing silently", async () => {
    const missing = await verb("provision");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("--installation is required");

    const unknown = await verb("provision", "--installation", "icfg_nope");
    expect(unknown.code).toBe(1);
    expect(unknown.json().error.message).toContain("No installation icfg_nope");

    const installationId: string = (await verb("install")).json().installation.id;
    const refused = await verb(
      "provision",
      "--installation",
      installationId,
      "--metadata",
      '{"region":"mars"}',
      "--plan",
      "free",
    );
    expect(refused.code).toBe(1);
    expect(refused.json()).toMatchObject({
      error: { code: "partner_refused" },
      partnerAnswer: { status: 400 },
    });

    const noType = await verb("trigger");
    expect(noType.stderr).toContain("the event type is required");
    const noProject = await verb("deploy", "--project", "nope");
    expect(noProject.json().error.message).toContain("No project nope");
  });

  it("says so when no emulator is running", async () => {
    let stderr = "";
    const code = await runEmulatorVerb(
      "install",
      ["--emulator-url", "http://127.0.0.1:9"],
      {},
      { stdout: () => undefined, stderr: (text) => (stderr += text) },
    );
    expect(code).toBe(1);
    expect(stderr).toContain("no emulator at http://127.0.0.1:9");
  });
});
