import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { z } from "zod";
import type { MetadataSchema } from "../../packages/partnerkit/src/emulator/console/metadata-dialect.ts";
import type { ConsoleProduct } from "../../packages/partnerkit/src/emulator/console/pages.ts";
import { createEmulator, type Emulator } from "../../packages/partnerkit/src/emulator/emulator.ts";
import { freePort } from "../support/server-process.ts";

/** A product configuration using every `ui:control` of Vercel's dialect, and most modifiers. */
export const EVERY_CONTROL: MetadataSchema = {
  type: "object",
  "ui:order": ["region", "tier", "storage"],
  required: ["region", "tier", "storage"],
  properties: {
    name: {
      type: "string",
      "ui:control": "input",
      "ui:label": "Database name",
      "ui:placeholder": "my-db",
      "ui:description": "Lowercase letters and dashes",
      maxLength: 20,
    },
    replicas: {
      type: "number",
      "ui:control": "input",
      "ui:label": "Replicas",
      minimum: 0,
      maximum: 5,
      default: 1,
    },
    backups: {
      type: "boolean",
      "ui:control": "toggle",
      "ui:label": "Daily backups",
      default: true,
    },
    storage: {
      type: "array",
      items: { type: "number" },
      "ui:control": "slider",
      "ui:steps": [1, 2, 4, 8],
      "ui:label": "Storage (GB)",
      default: [2],
    },
    tier: {
      type: "string",
      "ui:control": "select",
      "ui:label": "Tier",
      "ui:options": [
        { value: "small", label: "Small" },
        { value: "large", label: "Large (sold out)", disabled: true },
        { value: "legacy", label: "Legacy", hidden: true },
      ],
      default: "small",
    },
    engine: {
      type: "string",
      "ui:control": "radio-button",
      "ui:label": "Engine",
      "ui:options": [
        { value: "pg", label: "Postgres" },
        { value: "mysql", label: "MySQL" },
      ],
      default: "pg",
    },
    features: {
      type: "array",
      items: { type: "string" },
      "ui:control": "multi-select",
      "ui:label": "Features",
      "ui:options": [
        { value: "search", label: "Full-text search" },
        { value: "vectors", label: "Vectors" },
      ],
    },
    region: {
      type: "string",
      "ui:control": "vercel-region",
      "ui:label": "Primary region",
      enum: ["iad1", "fra1", "sfo1"],
      default: "iad1",
    },
    readRegions: {
      type: "array",
      items: { type: "string" },
      "ui:control": "multi-vercel-region",
      "ui:label": "Read replicas in",
    },
    country: { type: "string", "ui:control": "vercel-country", "ui:label": "Data residency" },
    domain: { type: "string", "ui:control": "domain", "ui:label": "Custom domain" },
    namespace: { type: "string", "ui:control": "git-namespace", "ui:label": "Git namespace" },
    version: {
      type: "string",
      "ui:control": "input",
      "ui:label": "Engine version",
      "ui:read-only": "update",
      default: "16",
    },
    internalId: { type: "string", "ui:control": "input", "ui:hidden": true, default: "int-1" },
    maintenance: {
      type: "string",
      "ui:control": "input",
      "ui:label": "Maintenance window",
      "ui:hidden": "create",
    },
    highAvailability: {
      type: "boolean",
      "ui:control": "toggle",
      "ui:label": "High availability",
      "ui:paid-only": true,
    },
    audit: {
      type: "boolean",
      "ui:control": "toggle",
      "ui:label": "Audit log",
      "ui:disabled": { expr: "metadata.tier == 'small'" },
    },
  },
};

export interface PartnerCall {
  method: string;
  path: string;
  body?: Record<string, unknown>;
}

/**
 * A partner server that is not built with Partnerkit: it takes any metadata, offers a free and a
 * paid plan, and remembers every request it received.
 */
export function recordingPartner(): { app: Hono; calls: PartnerCall[] } {
  const calls: PartnerCall[] = [];
  const resources = new Map<string, Record<string, unknown>>();
  const app = new Hono();
  app.use("*", async (c, next) => {
    const json: unknown = ["POST", "PATCH", "PUT"].includes(c.req.method)
      ? await c.req.raw
          .clone()
          .json()
          .catch(() => undefined)
      : undefined;
    const body = z.record(z.string(), z.unknown()).optional().catch(undefined).parse(json);
    calls.push({ method: c.req.method, path: c.req.path, body });
    await next();
  });
  app.put("/v1/installations/:id", (c) => c.body(null, 204));
  app.get("/v1/products/:product/plans", (c) =>
    c.json({
      plans: [
        {
          id: "hobby",
          type: "subscription",
          name: "Hobby",
          description: "Free forever",
          cost: "$0",
          paymentMethodRequired: false,
        },
        {
          id: "scale",
          type: "subscription",
          name: "Scale",
          description: "For production",
          cost: "$30/month",
          paymentMethodRequired: true,
        },
      ],
    }),
  );
  app.post("/v1/installations/:id/resources", async (c) => {
    const body = await c.req.json();
    const resource = {
      id: `res_${resources.size + 1}`,
      productId: body.productId,
      name: body.name,
      metadata: body.metadata,
      status: "ready",
      billingPlan: {
        id: body.billingPlanId,
        type: "subscription",
        name: body.billingPlanId,
        description: "",
      },
    };
    resources.set(resource.id, resource);
    return c.json({ ...resource, secrets: [{ name: "DB_URL", value: "db://x" }] }, 200);
  });
  app.get("/v1/installations/:id/resources/:rid", (c) => {
    const resource = resources.get(c.req.param("rid"));
    return resource
      ? c.json(resource)
      : c.json({ error: { code: "not_found", message: "No" } }, 404);
  });
  app.patch("/v1/installations/:id/resources/:rid", async (c) => {
    const resource = resources.get(c.req.param("rid"));
    if (!resource) return c.json({ error: { code: "not_found", message: "No" } }, 404);
    const patch = await c.req.json();
    Object.assign(resource, patch);
    return c.json(resource);
  });
  app.post("/webhooks", (c) => c.body(null, 200));
  return { app, calls };
}

/** The emulator in front of a `recordingPartner`, offering `products`, with what it was sent. */
export async function emulatorOfRecordingPartner(
  products: ConsoleProduct[],
  url = "https://marketplace.vercel.com",
): Promise<{ emulator: Emulator; calls: PartnerCall[] }> {
  const partner = recordingPartner();
  const emulator = await createEmulator({
    url,
    partnerUrl: "https://partner.example",
    clientId: "oac_recorded",
    clientSecret: "recorded-secret",
    partnerFetch: (request) => Promise.resolve(partner.app.fetch(request)),
    products,
  });
  return { emulator, calls: partner.calls };
}

/** The same, served on a free local port (for a real browser). */
export async function servedEmulatorOfRecordingPartner(products: ConsoleProduct[]) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { emulator, calls } = await emulatorOfRecordingPartner(products, url);
  const server = serve({ fetch: emulator.fetch, port });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  return { emulator, calls, url, close: () => server.close() };
}
