import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { runEmulatorVerb } from "../../packages/partnerkit/src/cli/emulator-verbs.ts";
import { createEmulator } from "../../packages/partnerkit/src/emulator/emulator.ts";
import { flagsMarket } from "../acme-flags/support.ts";
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
function verb(name: string, ...args: string[]) {
  return verbWithEnv({}, name, ...args, "--emulator-url", emulatorUrl);
}

async function verbWithEnv(env: Record<string, string>, name: string, ...args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runEmulatorVerb(name, args, env, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  });
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
      evictionPolicy: "noeviction",
      maxMemoryMb: [256],
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

    // A forger's delivery is sent once; the partner's refusal is the expected outcome, exit 0.
    for (const tamper of ["signature", "body"]) {
      const tampered = await verb("trigger", "marketplace.member.changed", "--tamper", tamper);
      expect(tampered.json().attempts).toEqual([{ status: 401 }]);
      expect(tampered.stderr).toContain("rejected as expected (401)");
      expect(tampered.code).toBe(0);
    }
  });

  it("exits 1 when a partner takes a tampered delivery", async () => {
    const takesAnything = await createEmulator({
      url: "http://emulator.test",
      partnerUrl: "http://partner.test",
      clientId: "oac_test",
      clientSecret: "secret",
      partnerFetch: async () => new Response(null, { status: 200 }),
    });
    await new Promise((resolve) => server.close(resolve));
    server = serve({ fetch: takesAnything.fetch, port: 0 });
    await new Promise((resolve) => server.once("listening", resolve));
    emulatorUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const args = ["marketplace.member.changed", "--payload", "{}", "--tamper", "body"];
    const accepted = await verb("trigger", ...args);
    expect(accepted.stderr).toContain("tampered delivery accepted (200)");
    expect(accepted.code).toBe(1);
  });

  it("reports a deployment whose action failed with exit 1", async () => {
    const installationId: string = (await verb("install")).json().installation.id;
    await verb(
      "provision",
      "--installation",
      installationId,
      "--project",
      "web",
      "--actions",
      "nope",
    );
    const deployed = await verb("deploy", "--project", "web");
    expect(deployed.json().deployment.state).not.toBe("ready");
    expect(deployed.stderr).toContain(`deployment ${deployed.json().deployment.state}`);
    expect(deployed.code).toBe(1);
  });

  it("finds the emulator on EMULATOR_PORT, and provisions the product it was started with", async () => {
    const port = String((server.address() as AddressInfo).port);
    const installed = await verbWithEnv({ EMULATOR_PORT: port }, "install");
    expect(installed.code, installed.stderr).toBe(0);
    const installationId: string = installed.json().installation.id;

    const provisioned = await verbWithEnv(
      { EMULATOR_URL: emulatorUrl },
      "provision",
      "--installation",
      installationId,
    );
    expect(provisioned.json(), provisioned.stderr).toHaveProperty("resource.productId", "acme-kv");
  });

  it("sends the emulator's only product, whatever it is, and asks to choose among several", async () => {
    const other = await emulatedMarketplace({ emulator: { products: [{ id: "other-db" }] } });
    try {
      const installation = await other.emulator.partner.install({});
      const request = new Request(
        `http://emulator.test/__emulator/installations/${installation.id}/resources`,
        { method: "POST", body: "{}" },
      );
      await other.emulator.fetch(request);
      const urls = other.emulator.calls({ direction: "vercel→partner" }).map((call) => call.url);
      expect(urls).toContainEqual(expect.stringContaining("/v1/products/other-db/plans"));
    } finally {
      await other.close();
    }

    const several = await emulatedMarketplace({
      emulator: { products: [{ id: "kv" }, { id: "sql" }] },
    });
    try {
      const installation = await several.emulator.partner.install({});
      const answer = await several.emulator.fetch(
        new Request(`http://emulator.test/__emulator/installations/${installation.id}/resources`, {
          method: "POST",
          body: "{}",
        }),
      );
      expect(answer.status).toBe(400);
      expect(await answer.text()).toContain("this emulator offers kv, sql");
    } finally {
      await several.close();
    }
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

  it("provisions a flags resource syncing to a new Edge Config, with the provisioning delay set over HTTP", async () => {
    const flags = await flagsMarket();
    try {
      await new Promise((resolve) => server.close(resolve));
      server = serve({ fetch: flags.emulator.fetch, port: 0 });
      await new Promise((resolve) => server.once("listening", resolve));
      emulatorUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const setFault = (rule: unknown) =>
        fetch(`${emulatorUrl}/__emulator/faults`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(rule),
        });
      const delay = { path: "/experimentation/", status: 409, withinMsOfProvisioning: 1_500 };
      const set = await setFault(delay);
      expect(set.status).toBe(201);
      expect(await set.json()).toEqual({ faults: [{ ...delay, remaining: null }] });
      expect((await setFault({ ...delay, withinMsOfProvisioning: 0 })).status).toBe(400);

      const installationId: string = (await verb("install")).json().installation.id;
      const provisioned = await verb(
        "provision",
        "--installation",
        installationId,
        "--product",
        "acme-flags",
        "--sync-flags",
      );
      expect(provisioned.code, provisioned.stderr).toBe(0);
      const { resource } = provisioned.json();
      const edgeConfig = flags.emulator.state.resources.get(resource.id)?.edgeConfig;
      expect(resource.edgeConfig).toEqual({ id: edgeConfig?.id, createdAt: edgeConfig?.createdAt });
      expect(edgeConfig?.id).toMatch(/^ecfg_/);
      expect(provisioned.stdout).not.toContain(edgeConfig?.token);
      const sent = flags.emulator
        .calls({ direction: "vercel→partner" })
        .find((call) => call.method === "POST" && call.url.endsWith("/resources"));
      expect(sent?.requestBody).toMatchObject({
        protocolSettings: { experimentation: { edgeConfigId: edgeConfig?.id } },
      });
      // The partner's first push meets the delay, then retries until Vercel takes it.
      const pushes = () =>
        flags.emulator
          .calls({ direction: "partner→vercel" })
          .filter((call) => call.url.endsWith(`/${resource.id}/experimentation/global-config`))
          .map((call) => call.status);
      await vi.waitFor(() => expect(pushes()).toContain(200), { timeout: 10_000, interval: 50 });
      expect(pushes()[0]).toBe(409);

      const notFlags = await verb(
        "provision",
        "--installation",
        installationId,
        "--product",
        "acme-kv",
        "--sync-flags",
      );
      expect(notFlags.code).toBe(1);
      expect(notFlags.json().error.message).toContain("acme-kv does not sync flags");
    } finally {
      await flags.close();
    }
  }, 30_000);
});
