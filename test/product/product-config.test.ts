import { describe, expect, it } from "vitest";
import { z } from "zod";
import acmeKv from "../../examples/acme-kv/src/index.ts";
import {
  defineIntegration,
  defineProduct,
  type ProductDefinition,
} from "../../packages/partnerkit/src/core/define-integration.ts";
import {
  describeProducts,
  integrationOf,
} from "../../packages/partnerkit/src/emulator/integration-products.ts";
import { checkProductConfigs } from "../../packages/partnerkit/src/product/config-check.ts";
import { productConfig } from "../../packages/partnerkit/src/product/product-config.ts";
import type { JsonObject } from "../../packages/partnerkit/src/protocol/common.ts";

async function acmeKvConfig() {
  return productConfig(await integrationOf(acmeKv), { publicUrl: "https://kv.example.com/" });
}

function integrationWith(product: Partial<ProductDefinition<JsonObject>>) {
  return defineIntegration({
    products: [
      defineProduct({
        id: "test-db",
        metadata: z.object({}),
        plans: [{ id: "free", type: "subscription", name: "Free", description: "Free" }],
        provision: async () => ({ secrets: [] }),
        ...product,
      }),
    ],
  });
}

const replCommand = { run: async () => "ok" };

describe("Acme KV's product configuration", () => {
  it("shows the region as a Vercel region fixed after creation, and max memory as a paid-only slider", async () => {
    const {
      products: [product],
    } = await acmeKvConfig();
    const properties = product?.metadataSchema.properties ?? {};
    expect(properties.region).toMatchObject({
      "ui:control": "vercel-region",
      "ui:read-only": "update",
      "ui:label": "Region",
      default: "iad1",
    });
    expect(properties.evictionPolicy).toMatchObject({
      "ui:control": "select",
      default: "noeviction",
      enum: ["noeviction", "allkeys-lru", "volatile-lru"],
    });
    expect(properties.maxMemoryMb).toMatchObject({
      type: "array",
      "ui:control": "slider",
      "ui:paid-only": true,
      "ui:steps": [256, 512, 1024, 2048, 4096],
      default: [256],
    });
  });

  it("gives every required field a default, so CLI and agents provision without a browser", async () => {
    const { products } = await acmeKvConfig();
    const schema = products[0]?.metadataSchema;
    expect(schema?.required?.length).toBeGreaterThan(0);
    for (const key of schema?.required ?? []) {
      expect(schema?.properties[key], key).toHaveProperty("default");
    }
    expect(checkProductConfigs(products)).toEqual([]);
  });

  it("declares storage with its REPL, the branch action and the console URLs", async () => {
    const config = await acmeKvConfig();
    expect(config.products[0]).toMatchObject({
      id: "acme-kv",
      slug: "acme-kv",
      name: "Acme KV",
      primaryProtocol: "storage",
      protocols: {
        storage: {
          status: "enabled",
          repl: { enabled: true, supportsReadOnlyMode: true, welcomeMessage: expect.any(String) },
        },
        checks: { status: "enabled" },
      },
      deploymentActions: [{ slug: "branch", name: "Branch the database for the deployment" }],
    });
    expect(config.urls).toEqual({
      baseUrl: "https://kv.example.com",
      redirectLoginUrl: "https://kv.example.com/sso",
      webhookUrl: "https://kv.example.com/webhooks",
    });
  });
});

describe("the emulator's console", () => {
  it("draws the form from the same dialect schema the console is given", async () => {
    const [described] = await describeProducts(acmeKv);
    const { products } = await acmeKvConfig();
    expect(described?.metadataSchema).toEqual(products[0]?.metadataSchema);
    expect(described?.metadataSchema?.properties?.region).toMatchObject({
      "ui:control": "vercel-region",
    });
  });
});

describe("product protocols", () => {
  it("derives storage with an enabled REPL from REPL commands when none are declared", () => {
    const [product] = productConfig(integrationWith({ repl: { keys: replCommand } })).products;
    expect(product?.protocols).toEqual({
      storage: { status: "enabled", repl: { enabled: true, supportsReadOnlyMode: true } },
    });
    expect(product?.primaryProtocol).toBe("storage");
  });

  it("keeps what the product declares, and names no primary protocol among several", () => {
    const [product] = productConfig(
      integrationWith({
        protocols: {
          experimentation: { edgeConfigSyncingSupport: true },
          observability: { status: "disabled" },
          storage: { repl: { enabled: false } },
        },
        repl: { keys: replCommand },
      }),
    ).products;
    expect(product?.protocols).toEqual({
      experimentation: { status: "enabled", edgeConfigSyncingSupport: true },
      observability: { status: "disabled" },
      storage: { status: "enabled", repl: { enabled: false, supportsReadOnlyMode: true } },
    });
    expect(product).not.toHaveProperty("primaryProtocol");
  });

  it("declares nothing for a product without protocols or REPL, which the check warns about", () => {
    const config = productConfig(integrationWith({}));
    expect(config.products[0]?.protocols).toEqual({});
    expect(config).not.toHaveProperty("urls");
    expect(checkProductConfigs(config.products)).toEqual([
      { level: "warn", product: "test-db", message: expect.stringMatching(/declares no protocol/) },
    ]);
  });

  it("refuses protocols Vercel does not know when the integration is defined", () => {
    const protocols = {
      storage: {},
      teleport: {},
    } as unknown as ProductDefinition<JsonObject>["protocols"];
    expect(() => integrationWith({ protocols })).toThrow(
      /^Product test-db: bad protocols: .*teleport/,
    );
  });
});
