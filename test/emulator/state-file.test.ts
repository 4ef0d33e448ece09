import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { emulatedMarketplace } from "../support/marketplace.ts";

let directory: string;
let stateFile: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "partnerkit-emulator-state-"));
  stateFile = join(directory, "emulator-state.json");
});
afterEach(() => rm(directory, { recursive: true, force: true }));

describe("the emulator's state file", () => {
  it("brings back installations, their tokens, resources and invoices after a restart", async () => {
    const first = await emulatedMarketplace({ emulator: { stateFile } });
    const installation = await first.emulator.partner.install({});
    const resource = await first.emulator.partner.provision(installation.id, {
      productId: "acme-kv",
      name: "cache",
      metadata: { region: "fra1" },
      billingPlanId: "free",
    });
    first.emulator.vercelApi.store.issueInvoice(installation.id, [], "paid");
    await first.emulator.close();
    await first.close();
    expect((await stat(stateFile)).mode & 0o777).toBe(0o600);

    const second = await emulatedMarketplace({ emulator: { stateFile } });
    try {
      const { state, vercelApi } = second.emulator;
      expect(state.installations.get(installation.id)).toEqual(installation);
      expect(state.installationByToken(installation.accessToken)?.id).toBe(installation.id);
      expect(state.resources.get(resource.id)).toMatchObject({ name: "cache", deleted: false });
      expect([...vercelApi.store.invoices.values()]).toHaveLength(1);
      // The invoice numbering goes on where it stopped.
      const next = vercelApi.store.issueInvoice(installation.id, [], "paid");
      expect(next.invoiceNumber).toBe("INV-0002");
    } finally {
      await second.emulator.close();
      await second.close();
    }
  });

  it("starts empty, saying why, when the file cannot be read", async () => {
    await writeFile(stateFile, "{ not json");
    const warn = vi.fn<(message: string) => void>();
    const market = await emulatedMarketplace({ emulator: { stateFile, warn } });
    try {
      expect(market.emulator.state.installations.size).toBe(0);
      expect(warn).toHaveBeenCalledWith(
        expect.stringContaining("starting with an empty Marketplace"),
      );
      await market.emulator.partner.install({});
      await market.emulator.close();
      expect(JSON.parse(await readFile(stateFile, "utf8")).state.installations).toHaveLength(1);
    } finally {
      await market.close();
    }
  });
});
