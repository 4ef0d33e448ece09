/**
 * Acme Flags' changes reaching Vercel (the emulator): each flag as an experimentation item under
 * its stable id, and the flags configuration pushed to the resource's Edge Config.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { type FlagsMarket, flagsMarket, PUBLIC_URL, provisionFlags } from "./support.ts";

let market: FlagsMarket | undefined;
afterEach(async () => {
  await market?.close();
  market = undefined;
});

interface ExperimentationCall {
  method: string;
  path: string;
  status: number;
  body: Record<string, unknown>;
}

/** The partner's calls to Vercel's experimentation endpoints of `resourceId`, in order. */
function experimentationCalls(resourceId: string): ExperimentationCall[] {
  if (!market) throw new Error("no market");
  const prefix = `/resources/${resourceId}/experimentation/`;
  return market.emulator
    .calls({ direction: "partner→vercel" })
    .filter((call) => new URL(call.url).pathname.includes(prefix))
    .map((call) => ({
      method: call.method,
      path: new URL(call.url).pathname.split(prefix)[1] ?? "",
      status: call.status,
      body: (call.requestBody ?? {}) as Record<string, unknown>,
    }));
}

const WAIT = { timeout: 10_000, interval: 50 };

describe("Acme Flags and Vercel's experimentation API", () => {
  it("lists the sample flag and pushes the configuration once Vercel made the Edge Config", async () => {
    market = await flagsMarket();
    const installation = await market.emulator.partner.install();
    const resource = await provisionFlags(market.emulator, installation.id, { syncFlags: true });

    // The items of flags made while provisioning go once the resource exists on both sides.
    const { pushed, created } = await vi.waitFor(() => {
      const calls = experimentationCalls(resource.id);
      const put = calls.find((call) => call.method === "PUT");
      const post = calls.find((call) => call.method === "POST");
      expect(put?.status).toBe(200);
      expect(post?.status).toBe(204);
      return { pushed: put as ExperimentationCall, created: post as ExperimentationCall };
    }, WAIT);
    const data = pushed.body.data as Record<string, Record<string, unknown>>;
    expect(data["welcome-banner"]).toMatchObject({
      kind: "boolean",
      enabled: true,
      value: true,
      defaultValue: false,
      rollout: 50,
    });
    const [item] = created.body.items as Record<string, unknown>[];
    expect(item).toMatchObject({
      id: data["welcome-banner"]?.id,
      slug: "welcome-banner",
      category: "flag",
      name: "Welcome banner",
      isArchived: false,
      origin: `${PUBLIC_URL}/dashboard/resources/${resource.id}/flags/${data["welcome-banner"]?.id}`,
    });
    expect(item?.createdAt).toBeGreaterThan(1e12);
  });

  it("sends a change as an item update under the same id and a new configuration, and a delete as a delete", async () => {
    market = await flagsMarket();
    const installation = await market.emulator.partner.install();
    const resource = await provisionFlags(market.emulator, installation.id, {
      syncFlags: true,
      sampleFlag: false,
    });
    const created = await market.api(resource.id, "PUT", "/flags/dark-mode", {
      body: { name: "Dark mode", rollout: 10 },
    });
    const { id } = (await created.json()) as { id: string };
    await vi.waitFor(() => {
      const calls = experimentationCalls(resource.id);
      expect(calls.some((call) => call.method === "POST" && call.status === 204)).toBe(true);
      expect(calls.some((call) => call.method === "PUT" && call.status === 200)).toBe(true);
    }, WAIT);
    const before = experimentationCalls(resource.id).length;

    await market.api(resource.id, "PUT", "/flags/dark-mode", {
      body: { key: "dark-theme", rollout: 60 },
    });
    await vi.waitFor(() => {
      const after = experimentationCalls(resource.id).slice(before);
      const patch = after.find((call) => call.method === "PATCH");
      expect(patch).toMatchObject({ path: `items/${id}`, status: 204 });
      expect(patch?.body).toMatchObject({ slug: "dark-theme", name: "Dark mode" });
      const put = after.find((call) => call.method === "PUT");
      expect(put?.status).toBe(200);
      expect(put?.body.data).toEqual({
        "dark-theme": {
          id,
          kind: "boolean",
          enabled: true,
          value: true,
          defaultValue: false,
          rollout: 60,
        },
      });
    }, WAIT);
    const beforeDelete = experimentationCalls(resource.id).length;

    expect((await market.api(resource.id, "DELETE", "/flags/dark-theme")).status).toBe(204);
    await vi.waitFor(() => {
      const after = experimentationCalls(resource.id).slice(beforeDelete);
      expect(after.find((call) => call.method === "DELETE")).toMatchObject({
        path: `items/${id}`,
        status: 204,
      });
      expect(after.find((call) => call.method === "PUT")?.body.data).toEqual({});
    }, WAIT);
  });
});
