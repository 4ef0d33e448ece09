import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { type FlagsWorld, flagsWorld, HOOK_CONFIG } from "./flags-world.ts";

let world: FlagsWorld | undefined;
afterEach(async () => {
  await world?.partner.close();
  world = undefined;
});

async function setup(options: { firstPushDelayMs?: number } = {}) {
  world = await flagsWorld(options);
  return world;
}

const updateResource = (partner: FlagsWorld["partner"], resourceId: string, edgeConfigId: string) =>
  partner.call("PATCH", `/v1/installations/icfg_1/resources/${resourceId}`, {
    body: { protocolSettings: { experimentation: { edgeConfigId } } },
  });

describe("flags configuration push (spec §5.18, §11.3)", () => {
  it("pushes the product's configuration after provisioning, after the delay, through 409/404", async () => {
    const { partner, vercel, provision } = await setup({ firstPushDelayMs: 300 });
    vercel.fail("PUT", /config$/, 409, 404, 404);
    const provisionedAt = Date.now();
    await provision("ecfg_1");
    expect(await partner.jobs.drain()).toBe(0);

    await sleep(400);
    await partner.jobs.drain();
    expect(vercel.log()).toEqual([
      "PUT global-config 409",
      "PUT global-config 404",
      "PUT edge-config 404",
      "PUT global-config 200",
    ]);
    expect(vercel.calls[0]?.at).toBeGreaterThanOrEqual(provisionedAt + 300);
    expect(vercel.calls[3]?.body).toEqual({ data: HOOK_CONFIG });
    expect(await partner.store.listJobs({ status: "dead" })).toEqual([]);
  });

  it("gives up a push Vercel keeps refusing once the job's attempts are spent", async () => {
    const { partner, vercel, provision } = await setup();
    vercel.configPaths.clear();
    await provision("ecfg_1");
    await partner.jobs.drain();
    // Each attempt tries both names of the endpoint; the job's 8 attempts bound the retries.
    expect(vercel.log()).toHaveLength(16);
    expect(await partner.store.listJobs({ status: "dead" })).toHaveLength(1);
  });

  it("pushes nothing without an Edge Config, then the given configuration once Update Resource names one", async () => {
    const { partner, vercel, provision, flags } = await setup();
    const resourceId = await provision();
    await (await flags()).pushConfig(resourceId, { checkout: { enabled: true } });
    await partner.jobs.drain();
    expect(vercel.calls).toEqual([]);

    expect((await updateResource(partner, resourceId, "ecfg_2")).status).toBe(200);
    await partner.jobs.drain();
    expect(vercel.log()).toEqual(["PUT global-config 200"]);
    expect(vercel.config).toEqual({ checkout: { enabled: true } });

    // The same Edge Config named again is no reason to push; another one gets the configuration.
    await updateResource(partner, resourceId, "ecfg_2");
    await partner.jobs.drain();
    expect(vercel.calls).toHaveLength(1);
    await updateResource(partner, resourceId, "ecfg_3");
    await partner.jobs.drain();
    expect(vercel.log()).toEqual(["PUT global-config 200", "PUT global-config 200"]);
  });

  it("pushes a configuration whose digest Vercel has once", async () => {
    const { partner, vercel, provision, flags } = await setup();
    const resourceId = await provision("ecfg_1");
    const sync = await flags();
    await sync.pushConfig(resourceId, { a: 1, b: { x: 1, y: [1, 2] } });
    await partner.jobs.drain();
    expect(vercel.log()).toEqual(["PUT global-config 200"]);

    // The same configuration built in another order has the same digest.
    await sync.pushConfig(resourceId, { b: { y: [1, 2], x: 1 }, a: 1 });
    expect(await partner.store.listJobs({ status: "queued" })).toEqual([]);
    await sync.pushConfig(resourceId, { a: 2 });
    await partner.jobs.drain();
    expect(vercel.log()).toEqual(["PUT global-config 200", "PUT global-config 200"]);
    expect(vercel.config).toEqual({ a: 2 });
  });

  it("reads the configuration back after a 412 and pushes the provider's again", async () => {
    const { partner, vercel, provision, flags } = await setup();
    const resourceId = await provision("ecfg_1");
    await partner.jobs.drain();
    expect(vercel.config).toEqual(HOOK_CONFIG);

    vercel.config = { changedOnVercel: true };
    vercel.fail("PUT", /config$/, 412);
    await (await flags()).pushConfig(resourceId, { a: 2 });
    await partner.jobs.drain();
    expect(vercel.log().slice(1)).toEqual([
      "PUT global-config 412",
      "GET global-config 200",
      "PUT global-config 200",
    ]);
    expect(vercel.config).toEqual({ a: 2 });
  });

  it("refuses a configuration that is not JSON with a 400", async () => {
    const { provision, flags } = await setup();
    const resourceId = await provision("ecfg_1");
    await expect(
      (await flags()).pushConfig(resourceId, { when: new Date() as never }),
    ).rejects.toMatchObject({ status: 400 });
  });
});
