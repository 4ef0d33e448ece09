/**
 * The secrets page of the default dashboard: values masked, and for an ADMIN a rotation that runs
 * the product's `secretsRotation`, pushes the new secrets to Vercel (§5.11) and keeps the old ones
 * working until the grace period ends (§4.10). A viewer sees the page and cannot rotate.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  csrfOf,
  type DashboardMarket,
  dashboardMarket,
  PUBLIC_URL,
  provisionKv,
  vercelSecret,
} from "./dashboard-support.ts";

let market: DashboardMarket | undefined;
afterEach(async () => {
  await market?.close();
  market = undefined;
});

const TOKEN = "KV_REST_API_TOKEN";

/** The data plane's answer to listing a store's keys with `token`. */
async function dataPlane(resourceId: string, token: string | undefined) {
  if (!market) throw new Error("no market");
  const response = await market.partnerkit.fetch(
    new Request(`${PUBLIC_URL}/kv/${resourceId}/`, {
      headers: { authorization: `Bearer ${token}` },
    }),
  );
  return response.status;
}

describe("rotating secrets from the dashboard", () => {
  it("sends new secrets to Vercel and keeps the old ones working until they are revoked", async () => {
    market = await dashboardMarket();
    const { id } = await market.emulator.partner.install();
    const resource = await provisionKv(market.emulator, id, "main-db");
    const before = vercelSecret(market.emulator, resource.id, TOKEN);
    expect(await dataPlane(resource.id, before)).toBe(200);
    const admin = await market.signIn(id);

    const page = await admin.open(`/dashboard/resources/${resource.id}/secrets`);
    expect(page.status).toBe(200);
    expect(page.body).toContain(TOKEN);
    expect(page.body).toContain("••••••••");
    expect(page.body).not.toContain(before);
    expect(page.body).toContain("Rotate secrets");

    const rotated = await admin.post(`/dashboard/resources/${resource.id}/secrets/rotate`, {
      _csrf: csrfOf(page.body),
      delayHours: "24",
      reason: "leaked in a log",
    });
    expect(rotated.status, rotated.body).toBe(303);
    expect(rotated.location).toBe(`/dashboard/resources/${resource.id}/secrets?done=rotated`);

    const after = vercelSecret(market.emulator, resource.id, TOKEN);
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    // The URL secret was not rotated (Acme KV rotates the token only: a partial rotation).
    expect(vercelSecret(market.emulator, resource.id, "KV_REST_API_URL")).toContain(resource.id);
    expect(await dataPlane(resource.id, after)).toBe(200);
    expect(await dataPlane(resource.id, before)).toBe(200);

    const rotation = (await market.internals.store.rotations.unfinished(resource.id)) ?? undefined;
    expect(rotation).toBeUndefined();
    const landed = await admin.open(rotated.location ?? "");
    expect(landed.body).toContain("New secrets were created and sent to Vercel");
    expect(landed.body).not.toContain(after);
    expect(market.logLines.join("\n")).not.toContain(after);
  });

  it("revokes the old secrets once a grace period of zero is over", async () => {
    market = await dashboardMarket();
    const { id } = await market.emulator.partner.install();
    const resource = await provisionKv(market.emulator, id, "main-db");
    const before = vercelSecret(market.emulator, resource.id, TOKEN);
    expect(await dataPlane(resource.id, before)).toBe(200);
    const admin = await market.signIn(id);
    const page = await admin.open(`/dashboard/resources/${resource.id}/secrets`);
    const rotated = await admin.post(`/dashboard/resources/${resource.id}/secrets/rotate`, {
      _csrf: csrfOf(page.body),
      delayHours: "0",
    });
    expect(rotated.status).toBe(303);
    await market.partnerkit.tick({ maxMs: 5_000 });
    expect(await dataPlane(resource.id, before)).toBe(401);
    expect(await dataPlane(resource.id, vercelSecret(market.emulator, resource.id, TOKEN))).toBe(
      200,
    );
  });

  it("refuses a grace period that is not offered, and a second rotation while one is unfinished", async () => {
    market = await dashboardMarket();
    const { id } = await market.emulator.partner.install();
    const resource = await provisionKv(market.emulator, id, "main-db");
    const before = vercelSecret(market.emulator, resource.id, TOKEN);
    const admin = await market.signIn(id);
    const token = csrfOf((await admin.open(`/dashboard/resources/${resource.id}/secrets`)).body);
    const path = `/dashboard/resources/${resource.id}/secrets/rotate`;
    const odd = await admin.post(path, { _csrf: token, delayHours: "9999" });
    expect(odd.status).toBe(400);
    expect(vercelSecret(market.emulator, resource.id, TOKEN)).toBe(before);

    // Another rotation of the resource has not finished (e.g. one Vercel asked for).
    await market.internals.store.rotations.insert({
      installationId: id,
      resourceId: resource.id,
      status: "requested",
      reason: null,
      delayHours: 0,
      previousSecrets: [],
    });
    const page = await admin.open(`/dashboard/resources/${resource.id}/secrets`);
    expect(page.body).toContain("A rotation is in progress");
    const second = await admin.post(path, { _csrf: token, delayHours: "24" });
    expect(second.status).toBe(409);
    expect(second.body).toContain("A rotation is already in progress");
    expect(vercelSecret(market.emulator, resource.id, TOKEN)).toBe(before);
  });

  it("shows a viewer the masked secrets without the form, and refuses their rotation", async () => {
    market = await dashboardMarket();
    const { id } = await market.emulator.partner.install();
    const resource = await provisionKv(market.emulator, id, "main-db");
    const before = vercelSecret(market.emulator, resource.id, TOKEN);
    const admin = await market.signIn(id);
    const adminToken = csrfOf(
      (await admin.open(`/dashboard/resources/${resource.id}/secrets`)).body,
    );
    const viewer = await market.signIn(id, "USER");

    const page = await viewer.open(`/dashboard/resources/${resource.id}/secrets`);
    expect(page.status).toBe(200);
    expect(page.body).toContain(TOKEN);
    expect(page.body).not.toContain('<form method="post" action="/dashboard/resources');
    expect(page.body).toContain("Only team owners");

    for (const fields of [{ delayHours: "24" }, { _csrf: adminToken, delayHours: "24" }] as Record<
      string,
      string
    >[]) {
      const refused = await viewer.post(
        `/dashboard/resources/${resource.id}/secrets/rotate`,
        fields,
      );
      expect(refused.status).toBe(403);
    }
    expect(vercelSecret(market.emulator, resource.id, TOKEN)).toBe(before);
    expect(await market.internals.store.rotations.unfinished(resource.id)).toBeUndefined();
  });
});
