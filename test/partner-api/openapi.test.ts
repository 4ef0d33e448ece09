/**
 * `/openapi.json` and docs/partner-api.openapi.json: the document lists exactly the routes the app
 * answers, its request bodies are the schemas the routes validate with, and real answers fit its
 * response schemas (checked with the document's own JSON Schema, read back by `z.fromJSONSchema`).
 */
import { readFile } from "node:fs/promises";
import type { Hono } from "hono";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import acmeKv from "../../examples/acme-kv/src/index.ts";
import { acmeKvIntegration } from "../../examples/acme-kv/src/integration.ts";
import { KvStore } from "../../examples/acme-kv/src/kv-store.ts";
import { signWebhookPayload } from "../../packages/partnerkit/src/auth/webhook-signature.ts";
import { loadConfig } from "../../packages/partnerkit/src/config.ts";
import {
  createPartnerApp,
  type PartnerAppOptions,
} from "../../packages/partnerkit/src/http/app.ts";
import type { AppEnv } from "../../packages/partnerkit/src/http/env.ts";
import { healthRoutes } from "../../packages/partnerkit/src/http/health.ts";
import {
  documentedRoutes,
  PARTNERKIT_VERSION,
  partnerApiOpenApi,
} from "../../packages/partnerkit/src/http/openapi.ts";
import { openApiPath } from "../../packages/partnerkit/src/http/route-spec.ts";
import { OpenApiDocument } from "../../packages/partnerkit/src/protocol/openapi-document.ts";
import { createPartnerkit, type Partnerkit } from "../../packages/partnerkit/src/runtime.ts";
import type { Database } from "../../packages/partnerkit/src/store/database.ts";
import { createStore, migrateStore } from "../../packages/partnerkit/src/store/kysely-store.ts";
import { SecretBox } from "../../packages/partnerkit/src/store/secret-box.ts";
import { committedDocument, OPENAPI_FILE } from "../../scripts/openapi-file.ts";
import { readError } from "../support/bodies.ts";
import { openTestDatabase } from "../support/database.ts";
import {
  createTestPartner,
  install,
  PUBLIC_URL,
  provisionBody,
  TEST_ENCRYPTION_KEY,
  TEST_WEBHOOK_SECRET,
  type TestPartner,
} from "../support/partner-app.ts";

type JsonSchema = Record<string, unknown>;
const JsonSchemaObject = z.record(z.string(), z.unknown());
const Operation = z.looseObject({
  operationId: z.string(),
  requestBody: z
    .object({ content: z.object({ "application/json": z.object({ schema: JsonSchemaObject }) }) })
    .optional(),
  responses: z.record(
    z.string(),
    z.looseObject({
      content: z.object({ "application/json": z.object({ schema: JsonSchemaObject }) }).optional(),
    }),
  ),
});
const Document = z.looseObject({
  paths: z.record(z.string(), z.record(z.string(), Operation)),
  components: z.looseObject({ schemas: z.record(z.string(), JsonSchemaObject) }),
});
type Document = z.infer<typeof Document>;

/** Every `$ref` replaced by the component it names, as a validator would read it. */
function resolved(document: Document, schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map((item) => resolved(document, item));
  if (!schema || typeof schema !== "object") return schema;
  const ref = (schema as JsonSchema).$ref;
  if (typeof ref === "string") {
    const name = ref.replace("#/components/schemas/", "");
    const component = document.components.schemas[name];
    if (!component) throw new Error(`dangling $ref ${ref}`);
    return resolved(document, component);
  }
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [key, resolved(document, value)]),
  );
}

function operationOf(document: Document, method: string, path: string) {
  const operation = document.paths[openApiPath(path)]?.[method.toLowerCase()];
  if (!operation) throw new Error(`${method} ${path} is not in the document`);
  return operation;
}

/** The document's schema for one answer, as a zod schema built from its JSON Schema. */
function documentedResponse(document: Document, method: string, path: string, status: number) {
  const response = operationOf(document, method, path).responses[String(status)];
  expect(response, `${method} ${path} documents no ${status}`).toBeDefined();
  const schema = response?.content?.["application/json"].schema;
  if (!schema) throw new Error(`${method} ${path} ${status} documents no body`);
  return z.fromJSONSchema(JsonSchemaObject.parse(resolved(document, schema)));
}

/** `METHOD /path/{param}` of every route an app answers (middleware excluded). */
function answeredRoutes(app: Hono<AppEnv>): string[] {
  const routes = app.routes
    .filter((route) => route.method !== "ALL")
    .map((route) => `${route.method} ${openApiPath(route.path)}`);
  return [...new Set(routes)].sort();
}

function documentedOperations(document: Document): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

const withoutDialect = ({ $schema: _dialect, ...schema }: JsonSchema) => schema;

describe("the routes the app answers and the document", () => {
  let database: Database;
  beforeEach(async () => {
    database = await openTestDatabase();
    await migrateStore(database);
  });
  afterEach(() => database.close());

  /** The app as the runtime builds it (probes, webhooks), without the integration's own routes. */
  function partnerApp(options: Partial<PartnerAppOptions> = {}): Hono<AppEnv> {
    return createPartnerApp({
      integration: acmeKvIntegration({ kv: new KvStore(database), publicUrl: PUBLIC_URL }),
      store: createStore(database, SecretBox.fromEnv(TEST_ENCRYPTION_KEY)),
      logger: pino({ level: "silent" }),
      verifyToken: async () => ({ ok: false, reason: "signature_invalid", message: "no" }),
      healthRoutes: healthRoutes({ migrated: true, database }),
      webhooks: { secrets: [TEST_WEBHOOK_SECRET] },
      ...options,
    });
  }

  async function servedDocument(app: Hono<AppEnv>): Promise<Document> {
    const response = await app.request("/openapi.json");
    expect(response.status).toBe(200);
    return Document.parse(await response.json());
  }

  it("lists every route the app answers, with its method and path, and nothing else", async () => {
    const app = partnerApp();
    const document = await servedDocument(app);
    expect(documentedOperations(document)).toEqual(answeredRoutes(app));
    // Spot checks, so an empty app and an empty document cannot agree by accident.
    expect(answeredRoutes(app)).toEqual(
      expect.arrayContaining([
        "PUT /v1/installations/{installationId}",
        "POST /v1/installations/{installationId}/resources",
        "GET /v1/products/{productSlug}/plans",
        "POST /webhooks",
        "GET /healthz",
        "GET /openapi.json",
      ]),
    );
    expect(answeredRoutes(app)).toHaveLength(22);
  });

  it("follows the webhook path the app is given, and leaves out what the app does not serve", async () => {
    const app = partnerApp({
      webhooks: { path: "/hooks/vercel", secrets: [TEST_WEBHOOK_SECRET] },
      healthRoutes: undefined,
    });
    const document = await servedDocument(app);
    expect(documentedOperations(document)).toEqual(answeredRoutes(app));
    expect(documentedOperations(document)).toContain("POST /hooks/vercel");
    expect(documentedOperations(document)).not.toContain("POST /webhooks");
    expect(documentedOperations(document)).not.toContain("GET /healthz");
  });

  it("in dev, the app also answers /docs, the reference page of the same document", async () => {
    const app = partnerApp({ referencePage: true });
    const document = await servedDocument(app);
    expect(answeredRoutes(app)).toEqual([...documentedOperations(document), "GET /docs"].sort());
  });
});

describe("request and response bodies in the document", () => {
  let partner: TestPartner;
  let document: Document;
  beforeEach(async () => {
    partner = await createTestPartner();
    document = Document.parse(await (await partner.app.request("/openapi.json")).json());
  });
  afterEach(() => partner.close());

  it("describes each request body with the JSON Schema of the zod schema its route validates with", () => {
    const withBodies = documentedRoutes().filter((route) => route.body);
    expect(withBodies.length).toBeGreaterThanOrEqual(10);
    for (const route of withBodies) {
      const operation = operationOf(document, route.method, route.path);
      const documented = operation.requestBody?.content["application/json"].schema;
      const schema = route.body?.schema ?? z.never();
      expect(resolved(document, documented), `${route.method} ${route.path}`).toEqual(
        withoutDialect(z.toJSONSchema(schema, { io: "input" })),
      );
    }
  });

  /** A body whose first property has the wrong type: the route's schema must refuse it. */
  function refusedBody(schema: JsonSchema): { body: Record<string, unknown>; key: string } {
    const properties = JsonSchemaObject.parse(schema.properties);
    const [key, property] = Object.entries(properties)[0] ?? [];
    if (!key) throw new Error("a body schema without properties");
    const wrong = JsonSchemaObject.parse(property).type === "string" ? 12345 : "not this type";
    return { body: { [key]: wrong }, key };
  }

  it("answers 400 naming the field when a body breaks the documented schema, on every route with a body", async () => {
    for (const route of documentedRoutes().filter((candidate) => candidate.body)) {
      const operation = operationOf(document, route.method, route.path);
      const schema = JsonSchemaObject.parse(
        resolved(document, operation.requestBody?.content["application/json"].schema),
      );
      const { body, key } = refusedBody(schema);
      const path = route.path
        .replace(":installationId", "icfg_1")
        .replace(":resourceId", "res_1")
        .replace(":providerClaimId", "claim_1");
      const text = JSON.stringify(body);
      const response =
        route.auth.kind === "webhook-signature"
          ? await partner.app.request(path, {
              method: "POST",
              headers: {
                "content-type": "application/json",
                "x-vercel-signature": signWebhookPayload(text, TEST_WEBHOOK_SECRET),
              },
              body: text,
            })
          : await partner.call(route.method.toUpperCase(), path, {
              auth:
                route.auth.kind === "vercel" && !route.auth.allow.includes("user")
                  ? "system"
                  : "user",
              body: text,
            });
      const label = `${route.method} ${route.path} with ${text}`;
      expect(response.status, label).toBe(400);
      const error = await readError(response);
      expect(error.code, label).toBe("validation_error");
      expect(
        error.fields?.map((field) => field.key.split(".")[0]),
        label,
      ).toContain(key);
    }
  });

  it("real answers fit the documented response schemas: provision, get, plans, webhook, errors", async () => {
    await install(partner);
    const provisioned = await partner.call("POST", "/v1/installations/icfg_1/resources", {
      body: provisionBody(),
    });
    expect(provisioned.status).toBe(200);
    const resource = await provisioned.json();
    const provision = documentedResponse(
      document,
      "post",
      "/v1/installations/:installationId/resources",
      200,
    );
    expect(provision.safeParse(resource).error).toBeUndefined();
    const id = z.object({ id: z.string() }).parse(resource).id;

    const got = await partner.call("GET", `/v1/installations/icfg_1/resources/${id}`, {
      auth: "system",
    });
    expect(got.status).toBe(200);
    const item = "/v1/installations/:installationId/resources/:resourceId";
    const getResource = documentedResponse(document, "get", item, 200);
    const gotBody = await got.json();
    expect(getResource.safeParse(gotBody).error).toBeUndefined();
    // The document's Resource has no secrets: the provision answer with them is refused by it.
    expect(getResource.safeParse(resource).success).toBe(false);

    const plans = await partner.call("GET", "/v1/products/acme-kv/plans", { auth: "system" });
    expect(plans.status).toBe(200);
    const plansBody = z.object({ plans: z.array(z.unknown()).min(1) }).parse(await plans.json());
    const productPlans = documentedResponse(
      document,
      "get",
      "/v1/products/:productSlug/plans",
      200,
    );
    expect(productPlans.safeParse(plansBody).error).toBeUndefined();

    const missing = await partner.call("GET", "/v1/installations/icfg_1/resources/res_nope", {
      auth: "system",
    });
    expect(missing.status).toBe(404);
    expect(
      documentedResponse(document, "get", item, 404).safeParse(await missing.json()).error,
    ).toBeUndefined();

    const unauthenticated = await partner.call("GET", `/v1/installations/icfg_1/resources/${id}`, {
      auth: "none",
    });
    expect(unauthenticated.status).toBe(401);
    const unauthorized = documentedResponse(document, "get", item, 401);
    expect(unauthorized.safeParse(await unauthenticated.json()).error).toBeUndefined();

    const delivery = JSON.stringify({
      id: "evt_openapi_1",
      type: "marketplace.member.changed",
      createdAt: Date.now(),
      region: null,
      payload: { installationId: "icfg_1", memberId: "user_2", role: "USER" },
    });
    const received = await partner.app.request("/webhooks", {
      method: "POST",
      headers: { "x-vercel-signature": signWebhookPayload(delivery, TEST_WEBHOOK_SECRET) },
      body: delivery,
    });
    expect(received.status).toBe(200);
    const receipt = documentedResponse(document, "post", "/webhooks", 200);
    expect(receipt.safeParse(await received.json()).error).toBeUndefined();
  });

  it("refuses bodies the protocol would not send: the response schemas are strict", () => {
    const getResource = documentedResponse(
      document,
      "get",
      "/v1/installations/:installationId/resources/:resourceId",
      200,
    );
    const resource = { id: "r", productId: "p", name: "n", metadata: {}, status: "ready" };
    expect(getResource.safeParse(resource).success).toBe(true);
    expect(getResource.safeParse({ ...resource, status: "sleeping" }).success).toBe(false);
    expect(getResource.safeParse({ ...resource, extra: 1 }).success).toBe(false);
  });
});

describe("GET /openapi.json and /docs", () => {
  let partnerkit: Partnerkit | undefined;
  afterEach(async () => {
    await partnerkit?.stop();
    partnerkit = undefined;
  });

  function start(dev: boolean): Partnerkit {
    partnerkit = createPartnerkit({
      integration: acmeKv,
      databaseUrl: ":memory:",
      clientIds: ["oac_openapi_test"],
      clientSecret: "openapi-test-secret",
      encryptionKey: SecretBox.generateKey(),
      publicUrl: "https://kv.acme.test",
      logger: pino({ level: "silent" }),
      dev,
    });
    return partnerkit;
  }

  it("serves the document to anyone, as JSON, naming PUBLIC_URL as its server", async () => {
    const server = start(false);
    const response = await server.fetch(new Request("http://partner.test/openapi.json"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const document = OpenApiDocument.parse(await response.json());
    expect(document.openapi).toBe("3.1.0");
    expect(document.info.version).toBe(PARTNERKIT_VERSION);
    expect(document.servers).toEqual([{ url: "https://kv.acme.test" }]);
    expect(Object.keys(document.paths)).toContain("/healthz");
  });

  it("serves /docs under `partnerkit dev` (PARTNERKIT_DEV=1) and answers 404 otherwise", async () => {
    expect(loadConfig({ ...requiredEnv, PARTNERKIT_DEV: "1" }).dev).toBe(true);
    expect(loadConfig(requiredEnv).dev).toBeUndefined();

    const dev = start(true);
    const page = await dev.fetch(new Request("http://partner.test/docs"));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const text = await page.text();
    expect(text).toContain("Provision Resource");
    expect(text).toContain("/v1/installations/{installationId}/resources");
    expect(text).not.toMatch(/<script/i);
    await dev.stop();

    const production = start(false);
    const missing = await production.fetch(new Request("http://partner.test/docs"));
    expect(missing.status).toBe(404);
    expect((await readError(missing)).code).toBe("not_found");
  });
});

const requiredEnv = {
  INTEGRATION_CLIENT_ID: "oac_1",
  INTEGRATION_CLIENT_SECRET: "secret",
  PARTNERKIT_ENCRYPTION_KEY: "k",
};

describe("docs/partner-api.openapi.json", () => {
  it("is the document the code builds (run `npm run openapi` after changing a route)", async () => {
    const committed: unknown = JSON.parse(await readFile(OPENAPI_FILE, "utf8"));
    expect(committed).toEqual(committedDocument());
  });

  it("carries the package's version", async () => {
    const packageJson = z
      .object({ version: z.string() })
      .parse(
        JSON.parse(
          await readFile(
            new URL("../../packages/partnerkit/package.json", import.meta.url),
            "utf8",
          ),
        ),
      );
    expect(PARTNERKIT_VERSION).toBe(packageJson.version);
    expect(partnerApiOpenApi().info.version).toBe(packageJson.version);
  });
});
