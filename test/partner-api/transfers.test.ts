import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ProvisionResourceResponse } from "../../packages/partnerkit/src/protocol/resources.ts";
import {
  CreateTransferResponse,
  VerifyTransferResponse,
} from "../../packages/partnerkit/src/protocol/transfers.ts";
import { readBody, readError } from "../support/bodies.ts";
import {
  createTestPartner,
  install,
  provisionBody,
  type TestPartner,
} from "../support/partner-app.ts";

let partner: TestPartner;
beforeEach(async () => {
  partner = await createTestPartner();
  await install(partner, "icfg_1");
  await install(partner, "icfg_2");
  await install(partner, "icfg_3");
});
afterEach(async () => {
  vi.useRealTimers();
  await partner.close();
});

const HOUR = 60 * 60_000;
const transfers = (installationId: string) =>
  `/v1/installations/${installationId}/resource-transfer-requests`;

async function provision(installationId = "icfg_1") {
  const response = await partner.call("POST", `/v1/installations/${installationId}/resources`, {
    installationId,
    body: provisionBody(),
  });
  return readBody(response, ProvisionResourceResponse);
}

function create(resourceIds: string[], expiresAt = Date.now() + HOUR) {
  return partner.call("POST", transfers("icfg_1"), {
    auth: "system",
    installationId: "icfg_1",
    body: { resourceIds, expiresAt },
  });
}

async function claim(resourceIds: string[], expiresAt?: number): Promise<string> {
  const response = await create(resourceIds, expiresAt);
  expect(response.status).toBe(200);
  return (await readBody(response, CreateTransferResponse)).providerClaimId;
}

const verify = (claimId: string, target = "icfg_2") =>
  partner.call("GET", `${transfers(target)}/${claimId}/verify`, {
    auth: "system",
    installationId: target,
  });

const accept = (claimId: string, target = "icfg_2") =>
  partner.call("POST", `${transfers(target)}/${claimId}/accept`, {
    auth: "system",
    installationId: target,
  });

async function owner(resourceId: string): Promise<string | undefined> {
  for (const installationId of ["icfg_1", "icfg_2", "icfg_3"]) {
    if (await partner.store.getResource(installationId, resourceId)) return installationId;
  }
  return undefined;
}

describe("resource transfers (spec §4.16)", () => {
  it("creates a claim, verifies it from the target and moves the resources on accept", async () => {
    const [a, b] = [await provision(), await provision()];
    const claimId = await claim([a.id, b.id]);

    const verified = await verify(claimId);
    expect(verified.status).toBe(200);
    expect(await readBody(verified, VerifyTransferResponse)).toEqual({ valid: true });

    const accepted = await accept(claimId);
    expect(accepted.status).toBe(204);
    expect(await accepted.text()).toBe("");
    expect([await owner(a.id), await owner(b.id)]).toEqual(["icfg_2", "icfg_2"]);

    // Vercel reads the moved resource under the target; the source no longer has it.
    const target = await partner.call("GET", `/v1/installations/icfg_2/resources/${a.id}`, {
      auth: "system",
      installationId: "icfg_2",
    });
    expect(target.status).toBe(200);
    const source = await partner.call("GET", `/v1/installations/icfg_1/resources/${a.id}`, {
      auth: "system",
    });
    expect(source.status).toBe(404);

    // The data plane keeps working with the resource's credentials.
    const token = a.secrets.find((secret) => secret.name === "KV_REST_API_TOKEN")?.value;
    const data = await partner.app.request(`/kv/${a.id}/`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(data.status).toBe(200);
  });

  it("answers a replayed accept for the same target with 204 and moves nothing twice", async () => {
    const resource = await provision();
    const claimId = await claim([resource.id]);
    expect((await accept(claimId)).status).toBe(204);
    expect((await accept(claimId)).status).toBe(204);
    expect(await owner(resource.id)).toBe("icfg_2");
    // Completed claims can be neither verified nor accepted by another team.
    expect((await verify(claimId, "icfg_3")).status).toBe(409);
    expect((await accept(claimId, "icfg_3")).status).toBe(409);
    expect(await owner(resource.id)).toBe("icfg_2");
  });

  it("serialises concurrent accepts: one target wins, the other gets 409", async () => {
    const resource = await provision();
    const claimId = await claim([resource.id]);
    const answers = await Promise.all([
      accept(claimId, "icfg_2"),
      accept(claimId, "icfg_3"),
      accept(claimId, "icfg_2"),
      accept(claimId, "icfg_3"),
    ]);
    const winner = (await partner.store.transfers.get(claimId))?.targetInstallationId;
    expect(winner === "icfg_2" || winner === "icfg_3").toBe(true);
    expect(await owner(resource.id)).toBe(winner);
    const byTarget = ["icfg_2", "icfg_3", "icfg_2", "icfg_3"].map((target, index) => [
      target,
      answers[index]?.status,
    ]);
    for (const [target, status] of byTarget) expect(status).toBe(target === winner ? 204 : 409);
  });

  it("refuses to verify or accept an expired claim and keeps the resources", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const now = Date.now();
    vi.setSystemTime(now);
    const resource = await provision();
    const claimId = await claim([resource.id], now + HOUR);
    vi.setSystemTime(now + HOUR + 1);
    const verified = await verify(claimId);
    expect(verified.status).toBe(409);
    expect((await readError(verified)).message).toMatch(/expired/);
    expect((await accept(claimId)).status).toBe(409);
    expect(await owner(resource.id)).toBe("icfg_1");
  });

  it("refuses a claim over another installation's resource, or one already in the past", async () => {
    const mine = await provision("icfg_1");
    const theirs = await provision("icfg_2");
    const foreign = await create([mine.id, theirs.id]);
    expect(foreign.status).toBe(422);
    expect((await readError(foreign)).code).toBe("unprocessable");
    expect((await create(["res_missing"])).status).toBe(422);
    const past = await create([mine.id], Date.now() - 1);
    expect(past.status).toBe(400);
    expect((await readError(past)).fields?.[0]?.key).toBe("expiresAt");
    expect((await create([])).status).toBe(400);
  });

  it("fails an accept whose resource was deleted meanwhile, leaving the claim open", async () => {
    const [kept, deleted] = [await provision(), await provision()];
    const claimId = await claim([kept.id, deleted.id]);
    await partner.call("DELETE", `/v1/installations/icfg_1/resources/${deleted.id}`);
    expect((await verify(claimId)).status).toBe(409);
    expect((await accept(claimId)).status).toBe(409);
    expect(await owner(kept.id)).toBe("icfg_1");
    expect((await partner.store.transfers.get(claimId))?.status).toBe("pending");
  });

  it("answers 404 for an unknown claim and 409 for accepting into the source itself", async () => {
    const resource = await provision();
    const claimId = await claim([resource.id]);
    expect((await verify("ptc_unknown")).status).toBe(404);
    expect((await accept("ptc_unknown")).status).toBe(404);
    expect((await accept(claimId, "icfg_1")).status).toBe(409);
  });

  it("accepts only system tokens on create and accept (spec §2.5)", async () => {
    const resource = await provision();
    const asUser = await partner.call("POST", transfers("icfg_1"), {
      body: { resourceIds: [resource.id], expiresAt: Date.now() + HOUR },
    });
    expect(asUser.status).toBe(403);
    const claimId = await claim([resource.id]);
    const userAccept = await partner.call("POST", `${transfers("icfg_2")}/${claimId}/accept`, {
      installationId: "icfg_2",
    });
    expect(userAccept.status).toBe(403);
    // A token for one installation cannot accept into another.
    const wrongToken = await partner.call("POST", `${transfers("icfg_2")}/${claimId}/accept`, {
      auth: "system",
      installationId: "icfg_3",
    });
    expect(wrongToken.status).toBe(403);
    expect(await owner(resource.id)).toBe("icfg_1");
  });
});
