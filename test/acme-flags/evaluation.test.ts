/** Acme Flags' own API: provisioning's secrets, the token, evaluation and managing flags. */
import { afterEach, describe, expect, it } from "vitest";
import { vercelSecret } from "../sso/dashboard-support.ts";
import { type FlagsMarket, flagsMarket, PUBLIC_URL, provisionFlags } from "./support.ts";

let market: FlagsMarket | undefined;
afterEach(async () => {
  await market?.close();
  market = undefined;
});

async function world() {
  market = await flagsMarket();
  const installation = await market.emulator.partner.install();
  const resource = await provisionFlags(market.emulator, installation.id, { sampleFlag: false });
  return { market, installation, resource };
}

const json = async (response: Response) => (await response.json()) as Record<string, unknown>;

describe("Acme Flags' API", () => {
  it("hands out its URL and a token that opens only its own resource", async () => {
    const { market, installation, resource } = await world();
    expect(vercelSecret(market.emulator, resource.id, "ACME_FLAGS_URL")).toBe(
      `${PUBLIC_URL}/flags/${resource.id}`,
    );
    const token = vercelSecret(market.emulator, resource.id, "ACME_FLAGS_TOKEN");
    expect(token).toMatch(/^afl_/);

    expect((await market.api(resource.id, "GET", "/evaluate")).status).toBe(200);
    const other = await provisionFlags(market.emulator, installation.id, { name: "other" });
    for (const [resourceId, bad] of [
      [resource.id, "afl_wrong"],
      [other.id, token],
      ["res_unknown", token],
    ] as const) {
      const refused = await market.api(resourceId, "GET", "/evaluate", { token: bad });
      expect(refused.status).toBe(401);
      expect(await json(refused)).toEqual({
        error: { code: "unauthorized", message: "A valid ACME_FLAGS_TOKEN is required" },
      });
    }
    const anonymous = await market.partnerkit.fetch(
      new Request(`${PUBLIC_URL}/flags/${resource.id}/evaluate`),
    );
    expect(anonymous.status).toBe(401);
  });

  it("starts a store with the sample flag when the form asks for it", async () => {
    market = await flagsMarket();
    const installation = await market.emulator.partner.install();
    const resource = await provisionFlags(market.emulator, installation.id);
    const flags = await json(await market.api(resource.id, "GET", "/flags"));
    expect(flags.flags).toEqual([
      expect.objectContaining({ key: "welcome-banner", kind: "boolean", rollout: 50 }),
    ]);
  });

  it("evaluates flags: the same entity always in or out of a rollout, archived and unknown ones 404", async () => {
    const { market, resource } = await world();
    const created = await market.api(resource.id, "PUT", "/flags/new-checkout", {
      body: { rollout: 30, description: "The new checkout" },
    });
    expect(created.status).toBe(201);
    const flag = await json(created);
    expect(flag).toMatchObject({ key: "new-checkout", value: true, defaultValue: false });
    expect(flag.id).toMatch(/^flag_/);

    const served = new Map<string, unknown>();
    for (let i = 0; i < 200; i++) {
      const answer = await json(
        await market.api(resource.id, "GET", `/evaluate/new-checkout?entity=user-${i}`),
      );
      served.set(`user-${i}`, answer.value);
    }
    const inRollout = [...served.values()].filter((value) => value === true).length;
    expect(inRollout).toBeGreaterThan(35);
    expect(inRollout).toBeLessThan(85);
    // The same answer again, and from the all-flags endpoint, for every entity.
    for (const entity of ["user-1", "user-2", "user-3", "user-4"]) {
      const again = await json(await market.api(resource.id, "GET", `/evaluate?entity=${entity}`));
      expect(again.flags).toEqual({
        "new-checkout": {
          value: served.get(entity),
          reason: served.get(entity) ? "rollout" : "default",
        },
      });
    }
    // A renamed key keeps each entity where it was: the rollout hashes the flag's id.
    const renamed = await market.api(resource.id, "PUT", "/flags/new-checkout", {
      body: { key: "checkout-v2" },
    });
    expect(renamed.status).toBe(200);
    expect((await json(renamed)).id).toBe(flag.id);
    for (const entity of ["user-1", "user-2", "user-3", "user-4"]) {
      const answer = await json(
        await market.api(resource.id, "GET", `/evaluate/checkout-v2?entity=${entity}`),
      );
      expect(answer.value).toBe(served.get(entity));
    }
    const off = await market.api(resource.id, "PUT", "/flags/checkout-v2", {
      body: { enabled: false },
    });
    expect((await json(off)).enabled).toBe(false);
    expect(
      await json(await market.api(resource.id, "GET", "/evaluate/checkout-v2?entity=a")),
    ).toEqual({ key: "checkout-v2", value: false, reason: "disabled" });

    await market.api(resource.id, "PUT", "/flags/checkout-v2", { body: { archived: true } });
    const archived = await market.api(resource.id, "GET", "/evaluate/checkout-v2");
    expect(archived.status).toBe(404);
    expect((await json(archived)).error).toMatchObject({ code: "archived" });
    expect((await json(await market.api(resource.id, "GET", "/evaluate"))).flags).toEqual({});

    const unknown = await market.api(resource.id, "GET", "/evaluate/nope");
    expect(unknown.status).toBe(404);
    expect((await json(unknown)).error).toEqual({
      code: "not_found",
      message: "No flag keyed nope",
    });
  });

  it("serves variant values, and refuses bad changes with a 4xx that says why", async () => {
    const { market, resource } = await world();
    const variant = await market.api(resource.id, "PUT", "/flags/banner-text", {
      body: { kind: "variant", value: { text: "Hi", color: "red" }, defaultValue: null },
    });
    expect(variant.status).toBe(201);
    expect(
      await json(await market.api(resource.id, "GET", "/evaluate/banner-text?entity=u")),
    ).toEqual({ key: "banner-text", value: { text: "Hi", color: "red" }, reason: "rollout" });

    const refusals: [string, string, unknown, number, string][] = [
      ["PUT", "/flags/x", "{not json", 400, "invalid_flag"],
      ["PUT", "/flags/x", { rollout: 101 }, 400, "invalid_flag"],
      ["PUT", "/flags/x", { unknownField: 1 }, 400, "invalid_flag"],
      ["PUT", "/flags/x", { value: "yes" }, 400, "invalid_flag"],
      ["PUT", "/flags/x", { kind: "variant" }, 400, "invalid_flag"],
      ["PUT", "/flags/bad%20key", {}, 400, "invalid_flag"],
      ["PUT", "/flags/banner-text", { key: "banner-text-2" }, 200, ""],
      ["PUT", "/flags/other", {}, 201, ""],
      ["PUT", "/flags/other", { key: "banner-text-2" }, 409, "conflict"],
      ["GET", `/evaluate?entity=${"e".repeat(300)}`, undefined, 400, "bad_request"],
      ["DELETE", "/flags/nope", undefined, 404, "not_found"],
      ["DELETE", "/flags/other", undefined, 204, ""],
    ];
    for (const [method, path, body, status, code] of refusals) {
      const response =
        typeof body === "string"
          ? await market.partnerkit.fetch(
              new Request(`${PUBLIC_URL}/flags/${resource.id}${path}`, {
                method,
                headers: {
                  authorization: `Bearer ${vercelSecret(market.emulator, resource.id, "ACME_FLAGS_TOKEN")}`,
                },
                body,
              }),
            )
          : await market.api(resource.id, method, path, { body });
      expect(response.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status);
      if (code) expect((await json(response)).error).toMatchObject({ code });
    }
    const keys = (await json(await market.api(resource.id, "GET", "/flags"))).flags as {
      key: string;
    }[];
    expect(keys.map((flag) => flag.key)).toEqual(["banner-text-2"]);
  });
});
