import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineIntegration,
  defineProduct,
} from "../../packages/partnerkit/src/core/define-integration.ts";
import { ProvisionResourceResponse } from "../../packages/partnerkit/src/protocol/resources.ts";
import { readBody } from "../support/bodies.ts";
import {
  createOneProductPartner,
  createTestPartner,
  install,
  type ProductHooks,
  provisionBody,
  type TestPartner,
} from "../support/partner-app.ts";
import { emulatedVercelApi } from "../support/vercel-fake.ts";
import { acmeKvByInstallation } from "./plan-integrations.ts";

let partner: TestPartner;
afterEach(() => partner.close());

/** The update hook meters its resource, a meter the product lacks, and another installation's resource. */
function meteringIntegration(probe: { otherResourceId?: string; refusals: string[] }) {
  const refused = (error: Error) => {
    probe.refusals.push(error.message);
  };
  return defineIntegration({
    products: [
      defineProduct({
        id: "acme-kv",
        metadata: z.object({ region: z.string() }),
        plans: [{ id: "free", type: "subscription", name: "Free", description: "" }],
        meters: { seats: { name: "Seats", type: "total", units: "seats" } },
        provision: async () => ({ secrets: [] }),
        async update(ctx, resource) {
          await ctx.meter(resource.id, "seats", 3);
          await ctx.meter(resource.id, "seats", 2);
          await ctx.meter(resource.id, "unknown", 1).catch(refused);
          await ctx.meter(probe.otherResourceId ?? "", "seats", 1).catch(refused);
          return undefined;
        },
      }),
    ],
  });
}

async function provision(installationId: string) {
  const response = await partner.call("POST", `/v1/installations/${installationId}/resources`, {
    installationId,
    body: provisionBody(),
  });
  return readBody(response, ProvisionResourceResponse);
}

type LevelHooks = Pick<ProductHooks, "meters" | "usage" | "usageOf">;

/** A partner whose one product reads levels with `hooks`, reporting to an emulated Vercel that knows its two resources. */
async function reportingPartner(hooks: LevelHooks) {
  const vercel = await emulatedVercelApi();
  partner = await createOneProductPartner(vercel, {
    plans: [{ id: "free", type: "subscription", name: "Free", description: "" }],
    ...hooks,
  });
  await install(partner);
  const first = await provision("icfg_1");
  const second = await provision("icfg_1");
  vercel.knowResource(first);
  vercel.knowResource(second);
  return { vercel, first, second };
}

const report = () =>
  partner.services.billing.report("icfg_1", new Date(), { log: pino({ level: "silent" }) });

describe("metering", () => {
  it("ctx.meter keeps a total meter's peak of the day, for the hook's own installation only", async () => {
    const probe: { otherResourceId?: string; refusals: string[] } = { refusals: [] };
    partner = await createTestPartner({ integration: () => meteringIntegration(probe) });
    await install(partner, "icfg_1");
    await install(partner, "icfg_2");
    const mine = await provision("icfg_1");
    const other = await provision("icfg_2");
    probe.otherResourceId = other.id;

    const updated = await partner.call("PATCH", `/v1/installations/icfg_1/resources/${mine.id}`, {
      body: { name: "renamed" },
    });
    expect(updated.status).toBe(200);
    expect(probe.refusals).toEqual([
      "Product acme-kv declares no meter unknown",
      `No resource ${other.id} to meter`,
    ]);
    const rows = await partner.store.billing.usage([mine.id, other.id]);
    expect(rows.map((row) => [row.resourceId, row.meter, row.value])).toEqual([
      [mine.id, "seats", 3],
    ]);
  });

  it("writes the levels a billing report reads in one go, combining a meter named twice", async () => {
    const { vercel, first, second } = await reportingPartner({
      meters: {
        seats: { name: "Seats", type: "total", units: "seats" },
        calls: { name: "Calls", type: "interval", units: "calls" },
      },
      usage: async () => [
        { meter: "seats", value: 4 },
        { meter: "seats", value: 6 },
        { meter: "calls", value: 2 },
        { meter: "calls", value: 5 },
      ],
    });

    await report();
    await report();

    const rows = await partner.store.billing.usage([first.id, second.id]);
    const values = (resourceId: string) =>
      Object.fromEntries(
        rows.filter((row) => row.resourceId === resourceId).map((row) => [row.meter, row.value]),
      );
    // A total keeps the higher level; an interval meter adds both values, on each report.
    expect(values(first.id)).toEqual({ seats: 6, calls: 14 });
    expect(values(second.id)).toEqual({ seats: 6, calls: 14 });
    expect(vercel.calls().filter((call) => call.path.endsWith("/billing"))).toHaveLength(2);
  });

  it("reads a product's levels with usageOf once per report, for its own resources only", async () => {
    const asked: string[][] = [];
    const { first, second } = await reportingPartner({
      meters: { seats: { name: "Seats", type: "total", units: "seats" } },
      usage: async () => {
        throw new Error("usageOf is used instead");
      },
      usageOf: async (_ctx, resources) => {
        asked.push(resources.map((resource) => resource.id).sort());
        return [
          ...resources.map((resource, index) => ({
            resourceId: resource.id,
            meter: "seats",
            value: index + 2,
          })),
          { resourceId: "res_someone_else", meter: "seats", value: 99 },
        ];
      },
    });

    await report();

    expect(asked).toEqual([[first.id, second.id].sort()]);
    const rows = await partner.store.billing.usage([first.id, second.id, "res_someone_else"]);
    expect(rows.map((row) => row.value).sort()).toEqual([2, 3]);
    expect(new Set(rows.map((row) => row.resourceId))).toEqual(new Set([first.id, second.id]));
  });

  it("meters from outside a hook (a data plane) by resource id, refusing bad values", async () => {
    partner = await createTestPartner();
    await install(partner);
    const resource = await provision("icfg_1");
    await partner.services.billing.meter(resource.id, "requests", 2);
    await partner.services.billing.meter(resource.id, "requests", 3);
    await expect(partner.services.billing.meter("res_missing", "requests", 1)).rejects.toThrow(
      "No resource res_missing to meter",
    );
    await expect(partner.services.billing.meter(resource.id, "requests", -1)).rejects.toThrow(
      /non-negative/,
    );
    expect((await partner.store.billing.usage([resource.id]))[0]?.value).toBe(5);
  });

  it("meters an installation on the integration's own meters, and only with installation billing", async () => {
    partner = await createTestPartner({ integration: acmeKvByInstallation });
    await install(partner);
    const { meterInstallation } = partner.services.billing;
    await meterInstallation("icfg_1", "builds", 4);
    await meterInstallation("icfg_1", "builds", 6);
    await expect(meterInstallation("icfg_1", "requests", 1)).rejects.toThrow(
      "The integration declares no installation meter requests",
    );
    await expect(meterInstallation("icfg_missing", "builds", 1)).rejects.toThrow(
      "No installation icfg_missing to meter",
    );
    await expect(meterInstallation("icfg_1", "builds", Number.NaN)).rejects.toThrow(/finite/);
    expect(await partner.store.billing.installationUsage("icfg_1")).toEqual([
      { meter: "builds", day: expect.any(String), value: 10 },
    ]);
    expect(() =>
      defineIntegration({
        products: [],
        meters: { builds: { name: "Builds", type: "interval", units: "builds" } },
      }),
    ).toThrow('Installation meters need billing: "installation"');
  });
});
