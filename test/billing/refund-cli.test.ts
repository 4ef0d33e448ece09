import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import pino from "pino";
import { afterAll, describe, expect, it, vi } from "vitest";
import { refundCommand } from "../../packages/partnerkit/src/cli/refund.ts";
import { createEmulator } from "../../packages/partnerkit/src/emulator/emulator.ts";
import { openDatabase } from "../../packages/partnerkit/src/store/database.ts";
import { createStore, migrateStore } from "../../packages/partnerkit/src/store/kysely-store.ts";
import { SecretBox } from "../../packages/partnerkit/src/store/secret-box.ts";
import { installationBody, PUBLIC_URL, TEST_ENCRYPTION_KEY } from "../support/partner-app.ts";

const directory = mkdtempSync(join(tmpdir(), "partnerkit-refund-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe("partnerkit refund", () => {
  it("refunds part of an invoice through Vercel's API and says what it did", async () => {
    const emulator = await createEmulator({
      url: "http://vercel.test",
      partnerUrl: PUBLIC_URL,
      clientId: "oac_test_integration",
      clientSecret: "unused",
    });
    const token = "vercel_installation_token_secret";
    emulator.state.installations.set("icfg_1", {
      id: "icfg_1",
      accountId: "acct_1",
      userId: "user_1",
      accessToken: token,
      status: "installed",
    });
    const { invoice } = emulator.vercelApi.store.submitInvoice("icfg_1", {
      invoiceDate: "2030-03-31T00:00:00.000Z",
      period: { start: "2030-03-01T00:00:00.000Z", end: "2030-04-01T00:00:00.000Z" },
      items: [
        {
          billingPlanId: "pro",
          name: "Pro",
          price: "20.00",
          quantity: 1,
          units: "period",
          total: "20.00",
        },
      ],
    });
    emulator.vercelApi.store.setInvoiceState(invoice.invoiceId, "paid");

    const databaseUrl = join(directory, "partnerkit.db");
    const database = openDatabase(databaseUrl);
    await migrateStore(database);
    const store = createStore(database, SecretBox.fromEnv(TEST_ENCRYPTION_KEY));
    await store.upsertInstallation({
      id: "icfg_1",
      accountId: "acct_1",
      installerUserId: "user_1",
      ...installationBody(),
      defaultBillingPlanId: null,
    });
    await database.close();

    const server = serve({ fetch: emulator.fetch, port: 0 });
    await new Promise((resolve) => server.once("listening", resolve));
    const { port } = server.address() as AddressInfo;
    const output = vi.spyOn(process.stdout, "write").mockReturnValue(true);
    try {
      const code = await refundCommand(
        ["icfg_1", invoice.invoiceId, "--reason", "Outage", "--total", "7.50"],
        {
          DATABASE_URL: databaseUrl,
          PARTNERKIT_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
          VERCEL_API_URL: `http://127.0.0.1:${port}`,
        },
        pino({ level: "silent" }),
      );
      expect(code).toBe(0);
      expect(output).toHaveBeenCalledWith(
        `${invoice.invoiceId} refunded, 7.50 of 20.00 USD refunded\n`,
      );
    } finally {
      output.mockRestore();
      await new Promise((resolve) => server.close(resolve));
    }
    expect(emulator.vercelApi.store.invoices.get(invoice.invoiceId)?.invoice).toMatchObject({
      state: "refunded",
      refundTotal: "7.50",
      refundReason: "Outage",
    });
  });

  it("refuses a malformed amount before calling anyone", async () => {
    await expect(
      refundCommand(
        ["icfg_1", "inv_1", "--reason", "x", "--total", "lots"],
        { PARTNERKIT_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY },
        pino({ level: "silent" }),
      ),
    ).rejects.toThrow("--total must be a decimal amount");
  });
});
