/** Acme Flags' REPL through Vercel's REPL endpoint: reads for everyone, changes for writers only. */
import { afterEach, describe, expect, it } from "vitest";
import type { ReplResponse } from "../../packages/partnerkit/src/protocol/repl.ts";
import { type FlagsMarket, flagsMarket, provisionFlags } from "./support.ts";

let market: FlagsMarket | undefined;
afterEach(async () => {
  await market?.close();
  market = undefined;
});

/** The text of every block, a table's rows joined by commas. */
const text = (blocks: ReplResponse) =>
  blocks
    .map((block) =>
      block.type === "paragraph"
        ? block.children.map((child) => child.text).join("")
        : block.rows.map((row) => row.map((cell) => cell.text).join(" ")).join(","),
    )
    .join("\n");

describe("Acme Flags' REPL", () => {
  it("lists, creates and changes flags, and the API serves what it set", async () => {
    market = await flagsMarket();
    const { id } = await market.emulator.partner.install();
    const resource = await provisionFlags(market.emulator, id, { sampleFlag: false });
    const repl = async (input: string, options?: { readOnly?: boolean; role?: "USER" }) =>
      text(await (market as FlagsMarket).emulator.partner.repl(id, resource.id, input, options));

    expect(await repl("flags")).toBe("");
    expect(await repl("set beta true")).toBe("OK");
    expect(await repl('set greeting "hello there"')).toBe("OK");
    expect(await repl("rollout beta 25")).toBe("OK");
    expect(await repl("disable greeting")).toBe("OK");
    expect(await repl("flags")).toBe(
      'beta true false true 25% false,greeting "hello there" null false 100% false',
    );
    expect(JSON.parse(await repl("flag beta"))).toMatchObject({ key: "beta", rollout: 25 });
    expect(await repl("flag nope")).toBe("(nil)");
    expect(await repl("enable nope")).toBe("(nil)");
    expect(await repl("set beta maybe")).toMatch(/^\(error\) A boolean flag's value/);
    expect(await repl("rollout beta 150")).toMatch(/^\(error\)/);
    expect(await repl("set bad/key 1")).toMatch(/^\(error\) a flag key is/);

    const evaluated = await market.api(resource.id, "GET", "/evaluate/greeting?entity=u1");
    expect(await evaluated.json()).toEqual({ key: "greeting", value: null, reason: "disabled" });

    expect(await repl("archive greeting")).toBe("OK");
    expect((await market.api(resource.id, "GET", "/evaluate/greeting")).status).toBe(404);
    expect(await repl("delete greeting")).toBe("(integer) 1");
    expect(await repl("delete greeting")).toBe("(integer) 0");
  });

  it("refuses changes in a read-only session and from a viewer, and still reads", async () => {
    market = await flagsMarket();
    const { id } = await market.emulator.partner.install();
    const resource = await provisionFlags(market.emulator, id);
    const partner = market.emulator.partner;

    for (const options of [{ readOnly: true }, { role: "USER" as const }]) {
      await expect(
        partner.repl(id, resource.id, "disable welcome-banner", options),
      ).rejects.toThrow(/answered 403/);
      expect(text(await partner.repl(id, resource.id, "flags", options))).toContain(
        "welcome-banner true false true 50% false",
      );
    }
  });
});
