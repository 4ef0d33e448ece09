import { afterEach, describe, expect, it } from "vitest";
import { type FlagsWorld, flagsWorld } from "./flags-world.ts";

let world: FlagsWorld | undefined;
afterEach(async () => {
  await world?.partner.close();
  world = undefined;
});

const CHECKOUT = {
  id: "flag_checkout",
  slug: "new-checkout",
  origin: "https://flags.acme.test/flags/new-checkout",
  category: "flag" as const,
  name: "New checkout",
};
const BANNER = {
  id: "exp_banner",
  slug: "banner-test",
  origin: "https://flags.acme.test/experiments/banner-test",
  category: "experiment" as const,
};

async function setup() {
  world = await flagsWorld();
  return { ...world, resourceId: await world.provision(), flags: await world.flags() };
}

const queuedJobs = async (w: FlagsWorld) => w.partner.store.listJobs({ status: "queued" });

describe("experimentation items (spec §5.18)", () => {
  it("creates, updates and deletes items on Vercel with the provider's ids and ms times", async () => {
    const { partner, vercel, resourceId, flags } = await setup();
    const createdAt = new Date("2026-03-01T12:00:00.000Z");
    await flags.upsert(resourceId, [
      // updatedAt in seconds, as some providers keep it.
      { ...CHECKOUT, createdAt, updatedAt: 1_772_400_000 },
      { ...BANNER, createdAt: 1_772_366_400_123 },
    ]);
    await partner.jobs.drain();
    expect(vercel.log()).toEqual(["POST items 204"]);
    expect(vercel.calls[0]?.body).toEqual({
      items: [
        { ...BANNER, createdAt: 1_772_366_400_123 },
        { ...CHECKOUT, createdAt: createdAt.getTime(), updatedAt: 1_772_400_000_000 },
      ],
    });

    await flags.upsert(resourceId, [{ ...CHECKOUT, isArchived: true, createdAt }]);
    await partner.jobs.drain();
    expect(vercel.log().slice(1)).toEqual(["PATCH items/flag_checkout 204"]);
    const { id: _id, ...withoutId } = CHECKOUT;
    expect(vercel.calls[1]?.body).toEqual({
      ...withoutId,
      isArchived: true,
      createdAt: createdAt.getTime(),
    });

    // The same item again is no change: nothing is queued, nothing sent.
    await flags.upsert(resourceId, [{ ...CHECKOUT, createdAt, isArchived: true }]);
    expect(await queuedJobs(world as FlagsWorld)).toEqual([]);

    // An id never stored may be on Vercel: it is deleted there too (a 404 is fine).
    await flags.remove(resourceId, ["exp_banner", "flag_made_by_hand"]);
    await partner.jobs.drain();
    expect(vercel.log().slice(2)).toEqual([
      "DELETE items/exp_banner 204",
      "DELETE items/flag_made_by_hand 404",
    ]);
    expect([...vercel.items.keys()]).toEqual(["flag_checkout"]);
    expect(await partner.store.listJobs({ status: "dead" })).toEqual([]);

    await partner.jobs.drain();
    expect(vercel.calls).toHaveLength(4);
  });

  it("sends nothing for an item removed before it was sent, and updates one re-added before its deletion went", async () => {
    const { partner, vercel, resourceId, flags } = await setup();
    await flags.upsert(resourceId, [CHECKOUT]);
    await flags.remove(resourceId, [CHECKOUT.id]);
    await partner.jobs.drain();
    expect(vercel.log()).toEqual([]);

    await flags.upsert(resourceId, [CHECKOUT]);
    await partner.jobs.drain();
    await flags.remove(resourceId, [CHECKOUT.id]);
    await flags.upsert(resourceId, [{ ...CHECKOUT, name: "Back" }]);
    await partner.jobs.drain();
    expect(vercel.log()).toEqual(["POST items 204", "PATCH items/flag_checkout 204"]);
    expect(vercel.items.get(CHECKOUT.id)).toMatchObject({ name: "Back" });
  });

  it("sends each change once through a 503 and through a failed job", async () => {
    const { partner, vercel, resourceId, flags } = await setup();
    vercel.fail("POST", /^items$/, 503);
    await flags.upsert(resourceId, [CHECKOUT]);
    await partner.jobs.drain();
    expect(vercel.log()).toEqual(["POST items 503", "POST items 204"]);

    // The create is acknowledged before the update fails the job: its retry sends only the update.
    vercel.fail("PATCH", /^items\//, 409);
    await flags.upsert(resourceId, [BANNER, { ...CHECKOUT, name: "Renamed" }]);
    await partner.jobs.drain();
    expect(vercel.log().slice(2)).toEqual([
      "POST items 204",
      "PATCH items/flag_checkout 409",
      "PATCH items/flag_checkout 204",
    ]);
    expect(vercel.items.get(CHECKOUT.id)).toMatchObject({ name: "Renamed" });

    await partner.jobs.drain();
    expect(vercel.calls).toHaveLength(5);
  });

  it("never sends a change twice, nor an older one last, with two instances", async () => {
    const { partner, vercel, resourceId, flags } = await setup();
    await flags.upsert(resourceId, [{ ...CHECKOUT, name: "v1" }]);
    const held = vercel.holdNextCall();
    const first = partner.jobs.drain();
    await held.reached;

    // A change while the first instance's create is in flight: the other instance's job finds
    // the resource's sync taken and leaves the change to it.
    await flags.upsert(resourceId, [{ ...CHECKOUT, name: "v2" }]);
    const other = world?.otherInstance();
    expect(await other?.drain()).toBe(1);
    expect(vercel.calls).toEqual([]);

    held.release();
    await first;
    expect(vercel.log()).toEqual(["POST items 204", "PATCH items/flag_checkout 204"]);
    expect(vercel.items.get(CHECKOUT.id)).toMatchObject({ name: "v2" });
    expect(await other?.drain()).toBe(0);
    expect(await partner.jobs.drain()).toBe(0);
    expect(vercel.calls).toHaveLength(2);
  });

  it("refuses bad items and unknown resources with a 4xx, queuing nothing", async () => {
    const { resourceId, flags } = await setup();
    await expect(flags.upsert(resourceId, [{ ...CHECKOUT, slug: "" }])).rejects.toMatchObject({
      status: 400,
      options: { fields: [{ key: "items.0.slug" }] },
    });
    await expect(flags.upsert("res_unknown", [CHECKOUT])).rejects.toMatchObject({ status: 404 });
    await expect(flags.remove(resourceId, [""])).rejects.toMatchObject({ status: 400 });
    expect(await queuedJobs(world as FlagsWorld)).toEqual([]);
  });
});
