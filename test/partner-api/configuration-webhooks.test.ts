import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { signWebhookPayload } from "../../packages/partnerkit/src/auth/webhook-signature.ts";
import type { WebhookContext } from "../../packages/partnerkit/src/core/webhook-handlers.ts";
import type { WebhookEnvelope } from "../../packages/partnerkit/src/protocol/webhooks.ts";
import {
  createTestPartner,
  install,
  TEST_WEBHOOK_SECRET,
  type TestPartner,
} from "../support/partner-app.ts";

let partner: TestPartner;
beforeEach(async () => {
  partner = await createTestPartner();
  await install(partner);
});
afterEach(() => partner.close());

let sequence = 0;
function envelope(type: string, payload: Record<string, unknown>): WebhookEnvelope {
  sequence += 1;
  return { id: `evt_cfg_${sequence}`, type, createdAt: Date.now(), region: "iad1", payload };
}

/** Delivers signed, as Vercel does, then runs the delivery's job. */
async function deliver(event: WebhookEnvelope): Promise<Response> {
  const body = JSON.stringify(event);
  const response = await partner.app.request("/webhooks", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-vercel-signature": signWebhookPayload(body, TEST_WEBHOOK_SECRET),
    },
    body,
  });
  await partner.jobs.drain();
  return response;
}

/** What a handler saw of its context, without the parts that are objects. */
const seenContext = (ctx: WebhookContext) => ({
  installation: ctx.installation?.id,
  vercel: ctx.vercel?.installationId,
});

/** A Partner API call as a user of `accountId` (Vercel's tokens name the owning account). */
async function getInstallationAs(accountId: string): Promise<number> {
  const token = await partner.issuer.userToken({ accountId });
  const response = await partner.call("GET", "/v1/installations/icfg_1", {
    auth: { token, header: "user" },
  });
  return response.status;
}

describe("integration-configuration webhooks", () => {
  it("hands integration-configuration.permission-upgraded to a typed handler", async () => {
    const seen: unknown[] = [];
    partner.integration.on(
      "integration-configuration.permission-upgraded",
      async (ctx, payload) => {
        seen.push({
          ...seenContext(ctx),
          selection: payload.configuration?.projectSelection,
          projects: payload.configuration?.projects,
          added: payload.projects?.added,
          removed: payload.projects?.removed,
          team: payload.team?.id,
          // Fields the framework does not know reach the handler as they came.
          extra: payload.somethingNew,
        });
      },
    );
    const response = await deliver(
      envelope("integration-configuration.permission-upgraded", {
        team: { id: "team_1" },
        user: { id: "user_1" },
        configuration: { id: "icfg_1", projectSelection: "selected", projects: ["prj_1", "prj_2"] },
        projects: { added: ["prj_2"], removed: ["prj_0"] },
        somethingNew: { kept: true },
      }),
    );
    expect(response.status).toBe(200);
    expect(seen).toEqual([
      {
        installation: "icfg_1",
        vercel: "icfg_1",
        selection: "selected",
        projects: ["prj_1", "prj_2"],
        added: ["prj_2"],
        removed: ["prj_0"],
        team: "team_1",
        extra: { kept: true },
      },
    ]);
  });

  it("stores the confirmed scopes of integration-configuration.scope-change-confirmed", async () => {
    const seen: unknown[] = [];
    partner.integration.on(
      "integration-configuration.scope-change-confirmed",
      async (ctx, payload) => {
        seen.push({ scopes: payload.configuration?.scopes, stored: ctx.installation?.scopes });
      },
    );
    const scopes = ["read-write:integration-resource", "read:project"];
    await deliver(
      envelope("integration-configuration.scope-change-confirmed", {
        team: { id: "team_1" },
        user: { id: "user_1" },
        configuration: { id: "icfg_1", scopes },
      }),
    );
    expect((await partner.store.getInstallation("icfg_1"))?.scopes).toEqual(scopes);
    expect(seen).toEqual([{ scopes, stored: scopes }]);
  });

  it("moves the installation to the new account on integration-configuration.transferred", async () => {
    const seen: unknown[] = [];
    partner.integration.on("integration-configuration.transferred", async (ctx, payload) => {
      seen.push({ ...seenContext(ctx), from: payload.previousTeamId, to: payload.newTeamId });
    });
    expect(await getInstallationAs("acct_2")).toBe(403);

    await deliver(
      envelope("integration-configuration.transferred", {
        configuration: { id: "icfg_1" },
        installationId: "icfg_1",
        previousTeamId: "team_1",
        previousAccountId: "acct_1",
        newTeamId: "team_2",
        newAccountId: "acct_2",
      }),
    );
    expect((await partner.store.getInstallation("icfg_1"))?.accountId).toBe("acct_2");
    expect(await getInstallationAs("acct_2")).toBe(200);
    expect(await getInstallationAs("acct_1")).toBe(403);
    expect(seen).toEqual([
      { installation: "icfg_1", vercel: "icfg_1", from: "team_1", to: "team_2" },
    ]);
  });

  it("leaves the installation where it is when a transfer names another previous account", async () => {
    let handled = 0;
    partner.integration.on("integration-configuration.transferred", async () => {
      handled += 1;
    });
    await deliver(
      envelope("integration-configuration.transferred", {
        installationId: "icfg_1",
        previousAccountId: "acct_9",
        newAccountId: "acct_2",
      }),
    );
    await deliver(envelope("integration-configuration.transferred", { installationId: "icfg_1" }));
    expect((await partner.store.getInstallation("icfg_1"))?.accountId).toBe("acct_1");
    expect(handled).toBe(2);
  });

  it("finds the installation in payload.integrations[] as in the deprecated installationIds", async () => {
    const seen: unknown[] = [];
    partner.integration.on(
      "integration-configuration.permission-upgraded",
      async (ctx, payload) => {
        seen.push({ ...seenContext(ctx), integrations: payload.integrations });
      },
    );
    partner.integration.on("deployment.created", async (ctx) => {
      seen.push(seenContext(ctx));
    });
    await deliver(
      envelope("integration-configuration.permission-upgraded", {
        integrations: [{ installationId: "icfg_1", resources: [{ externalResourceId: "r_1" }] }],
        projects: { added: ["prj_3"] },
      }),
    );
    const deployment = { id: "dpl_1" };
    await deliver(envelope("deployment.created", { deployment, installationIds: ["icfg_1"] }));
    await deliver(
      envelope("deployment.created", { deployment, integrations: [{ installationId: "icfg_1" }] }),
    );
    expect(seen).toEqual([
      {
        installation: "icfg_1",
        vercel: "icfg_1",
        integrations: [{ installationId: "icfg_1", resources: [{ externalResourceId: "r_1" }] }],
      },
      { installation: "icfg_1", vercel: "icfg_1" },
      { installation: "icfg_1", vercel: "icfg_1" },
    ]);
  });

  it("stores the scopes of a scope change that names its installation only in integrations[]", async () => {
    await deliver(
      envelope("integration-configuration.scope-change-confirmed", {
        integrations: [{ installationId: "icfg_1" }],
        configuration: { id: "icfg_1", scopes: ["read:domain"] },
      }),
    );
    await deliver(
      envelope("integration-configuration.scope-change-confirmed", {
        integrations: [{ installationId: "icfg_1" }],
      }),
    );
    expect((await partner.store.getInstallation("icfg_1"))?.scopes).toEqual(["read:domain"]);
  });

  it("answers malformed configuration payloads 200 and changes nothing", async () => {
    let handled = 0;
    partner.integration.on("integration-configuration.scope-change-confirmed", async () => {
      handled += 1;
    });
    const malformed = [
      envelope("integration-configuration.scope-change-confirmed", {
        configuration: { id: "icfg_1", scopes: "read:project" },
      }),
      envelope("integration-configuration.transferred", {
        installationId: "icfg_1",
        newAccountId: 42,
      }),
      envelope("integration-configuration.permission-upgraded", {
        configuration: { id: "icfg_1" },
        projects: { added: "prj_1" },
      }),
    ];
    for (const event of malformed) expect((await deliver(event)).status).toBe(200);
    const stored = await partner.store.getInstallation("icfg_1");
    expect(stored?.scopes).toEqual(["read-write:integration-resource"]);
    expect(stored?.accountId).toBe("acct_1");
    expect(handled).toBe(0);
    const jobs = await partner.store.listJobs();
    expect(jobs).toHaveLength(3);
    expect(jobs.every((job) => job.status !== "succeeded")).toBe(true);
  });
});
