import { afterEach, describe, expect, it } from "vitest";
import { acmeKvIntegration } from "../../examples/acme-kv/src/integration.ts";
import { defineIntegration } from "../../packages/partnerkit/src/core/define-integration.ts";
import { PartnerError } from "../../packages/partnerkit/src/core/partner-error.ts";
import { readError } from "../support/bodies.ts";
import {
  createTestPartner,
  installationBody,
  PUBLIC_URL,
  type TestPartner,
} from "../support/partner-app.ts";

/** Acme KV whose `onInstall` fails with the given errors, one per call, then succeeds. */
async function partnerFailingInstall(failures: Error[]) {
  const runs = { started: 0, completed: 0 };
  const partner = await createTestPartner({
    integration: (kv) =>
      defineIntegration({
        ...acmeKvIntegration({ kv, publicUrl: PUBLIC_URL }),
        async onInstall() {
          runs.started += 1;
          const failure = failures.shift();
          if (failure) throw failure;
          runs.completed += 1;
        },
      }),
  });
  return { partner, runs };
}

const put = (partner: TestPartner, key: string) =>
  partner.call("PUT", "/v1/installations/icfg_1", {
    body: installationBody(),
    headers: { "idempotency-key": key },
  });

let partner: TestPartner | undefined;
afterEach(async () => {
  await partner?.close();
  partner = undefined;
});

describe("onInstall that fails (spec §4.2)", () => {
  it("is run again by the retried PUT, which succeeds; it completes exactly once", async () => {
    const world = await partnerFailingInstall([new Error("tenant service down")]);
    partner = world.partner;

    const failed = await put(partner, "install-1");
    expect(failed.status).toBe(500);
    expect((await readError(failed)).code).toBeTypeOf("string");

    const retried = await put(partner, "install-1");
    expect(retried.status).toBe(200);
    expect(world.runs).toEqual({ started: 2, completed: 1 });

    expect((await put(partner, "install-2")).status).toBe(200);
    expect(world.runs).toEqual({ started: 2, completed: 1 });
  });

  it("keeps the status of a PartnerError the hook threw, and a later PUT runs it again", async () => {
    const world = await partnerFailingInstall([
      PartnerError.conflict("Account limit reached", { userMessage: "Contact sales" }),
    ]);
    partner = world.partner;

    const refused = await put(partner, "install-1");
    expect(refused.status).toBe(409);
    expect(await readError(refused)).toMatchObject({
      code: "conflict",
      user: { message: "Contact sales" },
    });

    expect((await put(partner, "install-2")).status).toBe(200);
    expect(world.runs).toEqual({ started: 2, completed: 1 });
  });

  it("runs once for two PUTs of a new installation at the same time", async () => {
    const world = await partnerFailingInstall([]);
    partner = world.partner;
    const answers = await Promise.all([put(partner, "install-1"), put(partner, "install-2")]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(world.runs).toEqual({ started: 1, completed: 1 });
  });

  it("runs again for an installation uninstalled and then installed anew", async () => {
    const world = await partnerFailingInstall([]);
    partner = world.partner;
    expect((await put(partner, "install-1")).status).toBe(200);
    const deleted = await partner.call("DELETE", "/v1/installations/icfg_1", { body: {} });
    expect(deleted.status).toBe(200);
    expect((await put(partner, "install-2")).status).toBe(200);
    expect(world.runs).toEqual({ started: 2, completed: 2 });
  });
});
