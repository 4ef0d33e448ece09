import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { signWebhookPayload } from "../../packages/partnerkit/src/auth/webhook-signature.ts";
import type { MemberRecord } from "../../packages/partnerkit/src/core/members.ts";
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

const T0 = Date.parse("2026-11-01T10:00:00Z");
let sequence = 0;

function memberChanged(
  payload: Record<string, unknown>,
  createdAt: number,
  id = `evt_member_${++sequence}`,
): WebhookEnvelope {
  return {
    id,
    type: "marketplace.member.changed",
    createdAt,
    region: null,
    payload: { configuration: { id: "icfg_1" }, installationId: "icfg_1", ...payload },
  };
}

/** Delivers signed, as Vercel does, then runs the delivery's job. */
async function deliver(envelope: WebhookEnvelope): Promise<Response> {
  const response = await store(envelope);
  await partner.jobs.drain();
  return response;
}

/** Delivers signed, leaving the delivery's job queued. */
async function store(envelope: WebhookEnvelope): Promise<Response> {
  const body = JSON.stringify(envelope);
  return partner.app.request("/webhooks", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-vercel-signature": signWebhookPayload(body, TEST_WEBHOOK_SECRET),
    },
    body,
  });
}

const roles = async () =>
  (await partner.services.members.list("icfg_1")).map((member) => [member.userId, member.role]);

describe("marketplace.member.changed keeps the installation's members", () => {
  it("adds, changes and removes members by Vercel user id", async () => {
    await deliver(
      memberChanged(
        { memberId: "user_2", role: "USER", globalUserId: "g_2", userEmail: "bo@acme.test" },
        T0,
      ),
    );
    await deliver(memberChanged({ memberId: "user_3", role: "ADMIN" }, T0 + 1));
    expect(await roles()).toEqual([
      ["user_2", "USER"],
      ["user_3", "ADMIN"],
    ]);
    expect(await partner.services.members.find("icfg_1", "user_2")).toEqual({
      installationId: "icfg_1",
      userId: "user_2",
      role: "USER",
      globalUserId: "g_2",
      email: "bo@acme.test",
      changedAt: new Date(T0).toISOString(),
    } satisfies MemberRecord);

    await deliver(memberChanged({ memberId: "user_2", role: "ADMIN" }, T0 + 2));
    expect(await roles()).toEqual([
      ["user_2", "ADMIN"],
      ["user_3", "ADMIN"],
    ]);

    await deliver(memberChanged({ memberId: "user_3", role: "NONE" }, T0 + 3));
    expect(await roles()).toEqual([["user_2", "ADMIN"]]);
    expect(await partner.services.members.find("icfg_1", "user_3")).toBeUndefined();
    // Members of one installation are not another's.
    expect(await partner.services.members.list("icfg_2")).toEqual([]);
  });

  it("changes nothing on a redelivery or an older event that arrives late", async () => {
    const promoted = memberChanged({ memberId: "user_2", role: "ADMIN" }, T0 + 10);
    await deliver(promoted);
    const again = await deliver(promoted);
    expect(await again.json()).toEqual({ received: true, duplicate: true });

    // Sent before the promotion, delivered after it (Vercel retries for up to a day).
    const stale = await deliver(memberChanged({ memberId: "user_2", role: "USER" }, T0));
    expect(stale.status).toBe(200);
    expect(await roles()).toEqual([["user_2", "ADMIN"]]);

    await deliver(memberChanged({ memberId: "user_2", role: "NONE" }, T0 + 20));
    // An addition older than the removal does not bring the member back.
    await deliver(memberChanged({ memberId: "user_2", role: "USER" }, T0 + 15));
    expect(await roles()).toEqual([]);
    // A later addition does.
    await deliver(memberChanged({ memberId: "user_2", role: "USER" }, T0 + 30));
    expect(await roles()).toEqual([["user_2", "USER"]]);
    expect((await partner.services.members.find("icfg_1", "user_2"))?.email).toBeNull();
  });

  it("applies changes processed together in one transaction, the latest of each member winning", async () => {
    const changes = [
      memberChanged({ memberId: "user_a", role: "ADMIN" }, T0 + 20),
      memberChanged({ memberId: "user_a", role: "USER" }, T0 + 10),
      memberChanged({ memberId: "user_b", role: "USER" }, T0 + 10),
      memberChanged({ memberId: "user_b", role: "NONE" }, T0 + 30),
      memberChanged({ memberId: "user_c", role: "USER" }, T0 + 10),
      memberChanged({ memberId: "user_d", role: "ADMIN" }, T0 + 10),
    ];
    for (const change of changes) expect((await store(change)).status).toBe(200);
    const transactions = vi.spyOn(partner.store, "transaction");
    await partner.jobs.drain();
    expect(await roles()).toEqual([
      ["user_a", "ADMIN"],
      ["user_c", "USER"],
      ["user_d", "ADMIN"],
    ]);
    expect(transactions).toHaveBeenCalledTimes(1);
  });

  it("applies the change before the provider's handler, which reads it through ctx.members", async () => {
    const seen: unknown[] = [];
    partner.integration.on("marketplace.member.changed", async (ctx, payload) => {
      const installationId = ctx.installation?.id ?? "";
      seen.push({
        role: payload.role,
        member: (await ctx.members.find(installationId, payload.memberId))?.role,
      });
    });
    await deliver(memberChanged({ memberId: "user_4", role: "USER" }, T0));
    await deliver(memberChanged({ memberId: "user_4", role: "NONE" }, T0 + 1));
    expect(seen).toEqual([
      { role: "USER", member: "USER" },
      { role: "NONE", member: undefined },
    ]);
  });

  it("answers a malformed member change 200 and records nothing", async () => {
    const response = await deliver(memberChanged({ memberId: "user_5", role: "OWNER" }, T0));
    expect(response.status).toBe(200);
    expect(await partner.services.members.find("icfg_1", "user_5")).toBeUndefined();
    const [job] = await partner.store.listJobs();
    expect(job?.status).not.toBe("succeeded");
    expect(job?.lastError).toMatch(/role/);
  });
});
