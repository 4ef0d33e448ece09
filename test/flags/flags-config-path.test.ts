import { afterEach, describe, expect, it } from "vitest";
import { type FlagsWorld, flagsWorld } from "./flags-world.ts";

// Its own file: the endpoint name that answered is remembered for the whole process (module).
let world: FlagsWorld | undefined;
afterEach(async () => {
  await world?.partner.close();
  world = undefined;
});

describe("flags configuration endpoint name (UNCONFIRMED which one is in force)", () => {
  it("falls back to edge-config when global-config is unknown, and keeps using it", async () => {
    world = await flagsWorld();
    const { partner, vercel, provision, flags } = world;
    vercel.configPaths.delete("global-config");
    const resourceId = await provision("ecfg_1");
    await partner.jobs.drain();
    expect(vercel.log()).toEqual(["PUT global-config 404", "PUT edge-config 200"]);

    await (await flags()).pushConfig(resourceId, { a: 1 });
    await partner.jobs.drain();
    expect(vercel.log().slice(2)).toEqual(["PUT edge-config 200"]);
    expect(await partner.store.listJobs({ status: "dead" })).toEqual([]);
  });
});
