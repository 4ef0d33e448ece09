import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { signWebhookPayload } from "../../packages/partnerkit/src/auth/webhook-signature.ts";
import type { WebhookEnvelope } from "../../packages/partnerkit/src/protocol/webhooks.ts";
import { readError } from "../support/bodies.ts";
import { TEST_ENGINE } from "../support/database.ts";
import {
  createTestPartner,
  install,
  provisionBody,
  TEST_WEBHOOK_SECRET,
  type TestPartner,
} from "../support/partner-app.ts";

let partner: TestPartner;
beforeEach(async () => {
  partner = await createTestPartner();
});
afterEach(() => partner.close());

let sequence = 0;
function envelope(type: string, payload: Record<string, unknown>): WebhookEnvelope {
  sequence += 1;
  return {
    id: `evt_${sequence}_${Date.now()}`,
    type,
    createdAt: Date.now(),
    region: "iad1",
    payload,
  };
}

function deliver(body: string, signature = signWebhookPayload(body, TEST_WEBHOOK_SECRET)) {
  return partner.app.request("/webhooks", {
    method: "POST",
    headers: { "content-type": "application/json", "x-vercel-signature": signature },
    body,
  });
}

const memberChanged = () =>
  envelope("marketplace.member.changed", {
    installationId: "icfg_1",
    memberId: "user_2",
    role: "USER",
  });

describe("POST /webhooks", () => {
  it("acknowledges a signed delivery at once and processes it in a job", async () => {
    await install(partner);
    const seen: unknown[] = [];
    partner.integration.on("marketplace.member.changed", async (ctx, payload) => {
      seen.push({
        role: payload.role,
        installation: ctx.installation?.id,
        event: ctx.event.type,
        vercel: ctx.vercel?.installationId,
      });
    });
    const event = memberChanged();
    const response = await deliver(JSON.stringify(event));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, duplicate: false });
    expect(seen).toEqual([]);
    expect(await partner.store.listJobs({ status: "queued" })).toHaveLength(1);

    await partner.jobs.drain();
    expect(seen).toEqual([
      {
        role: "USER",
        installation: "icfg_1",
        event: "marketplace.member.changed",
        vercel: "icfg_1",
      },
    ]);
    expect(await partner.store.listJobs({ status: "succeeded" })).toHaveLength(1);
  });

  it("acknowledges a duplicate delivery without processing it twice", async () => {
    let calls = 0;
    partner.integration.on("marketplace.member.changed", async () => {
      calls += 1;
    });
    const body = JSON.stringify(memberChanged());
    await deliver(body);
    const again = await deliver(body);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    await partner.jobs.drain();
    expect(calls).toBe(1);
  });

  it("stores every delivery of a burst before answering it, and processes each once", async () => {
    const handled: string[] = [];
    partner.integration.on("marketplace.member.changed", async (ctx) => {
      handled.push(ctx.event.id);
    });
    const events = Array.from({ length: 50 }, memberChanged);
    // Ten deliveries repeat an event of the same burst: Vercel retrying while the first is in flight.
    const bodies = [...events, ...events.slice(0, 10)].map((event) => JSON.stringify(event));
    const answers = await Promise.all(
      bodies.map(async (body) => {
        const response = await deliver(body);
        const id = (JSON.parse(body) as WebhookEnvelope).id;
        return {
          status: response.status,
          body: (await response.json()) as { duplicate: boolean },
          stored: await partner.store.getWebhookEvent(id),
        };
      }),
    );
    expect(answers.map((answer) => answer.status)).toEqual(bodies.map(() => 200));
    expect(answers.filter((answer) => answer.body.duplicate === false)).toHaveLength(50);
    expect(answers.filter((answer) => answer.body.duplicate === true)).toHaveLength(10);
    expect(answers.every((answer) => answer.stored !== undefined)).toBe(true);
    expect(await partner.store.listJobs({ status: "queued" })).toHaveLength(50);

    await partner.jobs.drain();
    expect(handled.sort()).toEqual(events.map((event) => event.id).sort());
    expect(await partner.store.listJobs({ status: "succeeded" })).toHaveLength(50);
  });

  it("refuses a bad signature with 401 and stores nothing", async () => {
    const event = memberChanged();
    const body = JSON.stringify(event);
    for (const signature of ["", "nothex", signWebhookPayload(body, "wrong-secret")]) {
      const response = await deliver(body, signature);
      expect(response.status).toBe(401);
      expect((await readError(response)).code).toMatch(/^signature_/);
    }
    const tampered = await deliver(
      body.replace("USER", "ADMIN"),
      signWebhookPayload(body, TEST_WEBHOOK_SECRET),
    );
    expect(tampered.status).toBe(401);
    expect(await partner.store.getWebhookEvent(event.id)).toBeUndefined();
    expect(await partner.store.listJobs()).toEqual([]);
  });

  it("answers a signed but malformed body with 400", async () => {
    expect((await deliver("{nope")).status).toBe(400);
    const invalid = await deliver(JSON.stringify({ id: "evt_x", payload: {} }));
    expect(invalid.status).toBe(400);
    expect((await readError(invalid)).fields?.map((field) => field.key)).toEqual([
      "type",
      "createdAt",
    ]);
  });

  it("stores and acknowledges unknown event types", async () => {
    const seen: string[] = [];
    partner.integration.onAny(async (ctx) => {
      seen.push(ctx.event.type);
    });
    const response = await deliver(JSON.stringify(envelope("something.new", { anything: 1 })));
    expect(response.status).toBe(200);
    await partner.jobs.drain();
    expect(seen).toEqual(["something.new"]);
  });

  it("uninstalls on integration-configuration.removed, idempotent with DELETE", async () => {
    await install(partner);
    await partner.call("POST", "/v1/installations/icfg_1/resources", { body: provisionBody() });
    await deliver(
      JSON.stringify(
        envelope("integration-configuration.removed", { configuration: { id: "icfg_1" } }),
      ),
    );
    await partner.jobs.drain();
    expect((await partner.store.getInstallation("icfg_1"))?.deletedAt).not.toBeNull();
    expect((await partner.store.listResources("icfg_1"))[0]?.status).toBe("uninstalled");
    const deleteAfter = await partner.call("DELETE", "/v1/installations/icfg_1", {
      auth: "system",
    });
    expect(deleteAfter.status).toBe(200);
    expect(await deleteAfter.json()).toEqual({ finalized: true });
  });

  it("retries a failing handler with backoff, then leaves the job dead for an operator", async () => {
    let calls = 0;
    let backendUp = false;
    partner.integration.on("marketplace.member.changed", async () => {
      calls += 1;
      if (!backendUp) throw new Error("provider backend down");
    });
    await deliver(JSON.stringify(memberChanged()));
    for (let round = 0; round < 20 && calls < 8; round++) {
      await partner.jobs.drain();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const [job] = await partner.store.listJobs();
    expect(calls).toBe(8);
    expect(job).toMatchObject({ status: "dead", attempts: 8, lastError: "provider backend down" });

    backendUp = true;
    expect(await partner.store.requeueJob(job?.id ?? "")).toBe(true);
    await partner.jobs.drain();
    expect(calls).toBe(9);
    expect((await partner.store.listJobs())[0]?.status).toBe("succeeded");
  });
});

describe.runIf(TEST_ENGINE === "sqlite")("a delivery's job started where it arrived", () => {
  /** The role of each member change the handler saw; with `failFirst`, its first attempt throws. */
  function watchMemberChanges({ failFirst = false } = {}): unknown[] {
    const roles: unknown[] = [];
    partner.integration.on("marketplace.member.changed", async (_ctx, payload) => {
      roles.push(payload.role);
      if (failFirst && roles.length === 1) throw new Error("the first attempt fails");
    });
    return roles;
  }

  it("takes its delivery as it was stored, without reading it back", async () => {
    await install(partner);
    const roles = watchMemberChanges();
    partner.jobs.start();
    const reads = vi.spyOn(partner.store, "getWebhookEvents");

    expect((await deliver(JSON.stringify(memberChanged()))).status).toBe(200);
    await vi.waitFor(() => expect(roles).toEqual(["USER"]), { timeout: 5_000, interval: 10 });
    expect(reads).not.toHaveBeenCalled();
  });

  it("reads it back from the store when a second attempt runs", async () => {
    await install(partner);
    const roles = watchMemberChanges({ failFirst: true });
    partner.jobs.start();
    const reads = vi.spyOn(partner.store, "getWebhookEvents");

    const event = memberChanged();
    expect((await deliver(JSON.stringify(event))).status).toBe(200);
    await vi.waitFor(() => expect(roles).toEqual(["USER", "USER"]), {
      timeout: 5_000,
      interval: 10,
    });
    expect(reads.mock.calls).toEqual([[[event.id]]]);
  });
});
