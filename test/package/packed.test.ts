import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ServerType, serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmulator, type Emulator } from "../../packages/partnerkit/src/emulator/emulator.ts";
import { freePort, PartnerkitProcess } from "../support/server-process.ts";
import { packTarballs, sh } from "./pack.ts";

/** A product this repository has never seen, in plain JavaScript, as a provider would write it. */
const INTEGRATION = `import { z } from "zod";
import { defineIntegration, defineProduct, PartnerError } from "partnerkit";

const queues = new Map();

export default defineIntegration({
  products: [
    defineProduct({
      id: "pebble-queue",
      name: "Pebble Queue",
      metadata: z.object({ retention: z.enum(["1d", "7d"]) }),
      plans: [{ id: "hobby", type: "subscription", name: "Hobby", description: "Free", paymentMethodRequired: false }],
      async provision(ctx, request) {
        if (request.name === "taken") throw PartnerError.conflict("That queue name is taken");
        queues.set(request.id, { retention: request.metadata.retention });
        return { secrets: [{ name: "PEBBLE_QUEUE_URL", value: "pebble://" + request.id }] };
      },
      async delete(ctx, resource) {
        queues.delete(resource.id);
      },
      actions: {
        snapshot: {
          async start(ctx, { resource, deployment }) {
            return { secrets: [{ name: "PEBBLE_QUEUE_URL", value: "pebble://" + resource.id + "/" + deployment.id }] };
          },
        },
      },
    }),
  ],
});
`;

/** A strict TypeScript consumer of the published declarations. */
const CONSUMER = `import { z } from "zod";
import {
  createPartnerkit,
  defineIntegration,
  defineProduct,
  type FlagItemInput,
  type FlagSync,
  type FlagsConfig,
  type IntegrationSetup,
  type Partnerkit,
  PartnerError,
  partnerApiOpenApi,
  productConfig,
  verifyVercelToken,
  verifyWebhookSignature,
} from "partnerkit";
import { createEmulator, type Emulator } from "partnerkit/emulator";
import { createTestMarketplace } from "partnerkit/testing";

const product = defineProduct({
  id: "typed",
  metadata: z.object({ size: z.number().int().min(1) }),
  plans: [],
  async provision(_ctx, request) {
    const size: number = request.metadata.size;
    if (size > 10) throw new PartnerError(400, "validation_error", "too big");
    return { secrets: [{ name: "SIZE", value: String(size) }] };
  },
});
export const factory = async ({ database, publicUrl }: IntegrationSetup) => {
  const engine: "sqlite" | "postgres" = database.engine;
  return defineIntegration({
    products: [product],
    async onInstall(ctx) {
      ctx.log.info({ engine, publicUrl }, "installed");
    },
  });
};
export const kit: Partnerkit = createPartnerkit({
  integration: factory,
  clientIds: ["oac_x"],
  clientSecret: "s",
  encryptionKey: "k",
});
export const checks = [verifyVercelToken, verifyWebhookSignature, createTestMarketplace];
export const flagsProduct = defineProduct({
  id: "typed-flags",
  metadata: z.object({}),
  plans: [],
  protocols: { experimentation: { edgeConfigSyncingSupport: true } },
  primaryProtocol: "experimentation",
  async provision() {
    return { secrets: [] };
  },
  experimentation: {
    async config(_ctx, resource): Promise<FlagsConfig> {
      return { [resource.id]: { enabled: true, rollout: 50 } };
    },
  },
  checks: {
    smoke: {
      blocking: true,
      async run(ctx) {
        const item: FlagItemInput = { id: "flag_1", slug: "a", origin: "https://p.example/f/1", createdAt: new Date() };
        const sync: FlagSync = ctx.sync.flags;
        await sync.upsert("res_1", [item]);
        await sync.remove("res_1", ["flag_0"]);
        return { conclusion: "succeeded" };
      },
    },
  },
});
export const documentedPaths: string[] = Object.keys(partnerApiOpenApi().paths);
export const regionForm = defineProduct({
  id: "regional",
  metadata: z.object({
    region: z.enum(["iad1", "fra1"]).default("iad1").meta({ ui: { control: "vercel-region", readOnly: "update" } }),
  }),
  plans: [],
  async provision() {
    return { secrets: [] };
  },
});
export const pasted = productConfig(defineIntegration({ products: [regionForm] }), {
  publicUrl: "https://p.example",
});
export const emulator: Promise<Emulator> = createEmulator({
  url: "http://e",
  partnerUrl: "http://p",
  clientId: "oac_x",
  clientSecret: "s",
});
`;

let project: string;
let emulator: Emulator;
let emulatorServer: ServerType | undefined;

beforeAll(async () => {
  const { partnerkit } = await packTarballs();
  project = await mkdtemp(join(tmpdir(), "partnerkit-consumer-"));
  await writeFile(
    join(project, "package.json"),
    JSON.stringify({ name: "pebble", private: true, type: "module" }),
  );
  await sh(project, "npm", [
    "install",
    "--no-audit",
    "--no-fund",
    partnerkit,
    "zod@4",
    "esbuild@0.28",
    "typescript@~5.9.3",
    "@types/node@20",
  ]);
  await writeFile(join(project, "integration.mjs"), INTEGRATION);
  await writeFile(join(project, "consumer.ts"), CONSUMER);
});

afterAll(async () => {
  await new Promise<void>((resolve) =>
    emulatorServer ? emulatorServer.close(() => resolve()) : resolve(),
  );
  if (project) await rm(project, { recursive: true, force: true });
});

describe("the packed partnerkit, installed into an empty project", () => {
  it("imports on plain Node with the runtime, the helpers and the emulator subpath", async () => {
    const { stdout } = await sh(project, "node", [
      "--input-type=module",
      "-e",
      `const pk = await import("partnerkit");
       const emu = await import("partnerkit/emulator");
       const testing = await import("partnerkit/testing");
       console.log(JSON.stringify({
         partnerkit: Object.keys(pk).filter((name) => typeof pk[name] === "function"),
         emulator: Object.keys(emu),
         testing: Object.keys(testing),
       }));`,
    ]);
    const exported = JSON.parse(stdout) as Record<string, string[]>;
    expect(exported.partnerkit).toEqual(
      expect.arrayContaining([
        "createPartnerkit",
        "defineIntegration",
        "defineProduct",
        "PartnerError",
        "partnerApiOpenApi",
        "productConfig",
        "verifyVercelToken",
        "verifyWebhookSignature",
      ]),
    );
    expect(exported.emulator).toContain("createEmulator");
    expect(exported.testing).toContain("createTestMarketplace");
  });

  it("type-checks a strict TypeScript consumer against the declarations", async () => {
    const result = await sh(project, "npx", [
      "tsc",
      "--strict",
      "--noEmit",
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
      "--target",
      "es2022",
      "--types",
      "node",
      "consumer.ts",
    ]).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }));
    expect(result.stdout).toBe("");
  });

  it("serves a plain-JavaScript integration with `partnerkit start`: provision, secrets, one action status", async () => {
    const [port, emulatorPort] = [await freePort(), await freePort()];
    const partnerUrl = `http://127.0.0.1:${port}`;
    const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
    const clientSecret = randomBytes(24).toString("base64url");
    emulator = await createEmulator({
      url: emulatorUrl,
      partnerUrl,
      clientId: "oac_pebble",
      clientSecret,
      products: [{ id: "pebble-queue", actions: [{ slug: "snapshot" }] }],
    });
    emulatorServer = serve({ fetch: emulator.fetch, port: emulatorPort, hostname: "127.0.0.1" });

    // The bin npx runs; spawned directly so that SIGTERM reaches the server (npm does not forward it).
    const bin = join(project, "node_modules", ".bin", "partnerkit");
    const child = spawn(bin, ["start", "--integration", "./integration.mjs"], {
      cwd: project,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(port),
        INTEGRATION_CLIENT_ID: "oac_pebble",
        INTEGRATION_CLIENT_SECRET: clientSecret,
        PARTNERKIT_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
        DATABASE_URL: join(project, "data", "pebble.db"),
        VERCEL_OIDC_ISSUER: emulatorUrl,
        VERCEL_API_URL: emulatorUrl,
        PUBLIC_URL: partnerUrl,
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const server = new PartnerkitProcess(child, port);
    try {
      await server.waitUntilReady(30_000);
      expect((await fetch(`${partnerUrl}/healthz`)).status).toBe(200);
      expect((await fetch(`${partnerUrl}/readyz`)).status).toBe(200);

      const installation = await emulator.partner.install();
      const resource = await emulator.partner.provision(installation.id, {
        productId: "pebble-queue",
        name: "jobs",
        metadata: { retention: "7d" },
        billingPlanId: "hobby",
      });
      expect(resource.secrets).toEqual([
        { name: "PEBBLE_QUEUE_URL", value: `pebble://${resource.id}` },
      ]);
      const refused = await emulator.partner.send({
        method: "POST",
        path: `/v1/installations/${installation.id}/resources`,
        auth: "user",
        installationId: installation.id,
        accountId: installation.accountId,
        body: {
          productId: "pebble-queue",
          name: "x",
          metadata: { retention: "1y" },
          billingPlanId: "hobby",
        },
      });
      expect(refused.status).toBe(400);

      const web = emulator.state.createProject("web");
      emulator.state.connect(web.id, {
        resourceId: resource.id,
        environments: ["preview"],
        actions: ["snapshot"],
      });
      const deploying = await emulator.deployments.deploy(web.id, { target: "preview" });
      const deployment = await emulator.deployments.waitUntilSettled(deploying.id, 20_000);
      expect(deployment.state).toBe("ready");
      expect(deployment.env.PEBBLE_QUEUE_URL).toBe(`pebble://${resource.id}/${deployment.id}`);

      // Every status PATCH Vercel accepted for this deployment, in order.
      const reports = emulator.vercelApi.store
        .listActions(installation.id)
        .filter((action) => action.deploymentId === deployment.id)
        .flatMap((action) => action.reports.map((report) => report.status));
      expect(reports.filter((status) => status !== "running")).toEqual(["succeeded"]);
      expect(server.stderr).not.toMatch(/error/i);
    } catch (error) {
      throw new Error(`${String(error)}\nserver output:\n${server.stdout}${server.stderr}`);
    } finally {
      await server.stop();
    }
    expect(server.exitStatus?.code).toBe(0);
  });

  it("builds the integration into one server with `partnerkit build`, which serves on plain node", async () => {
    await sh(project, join(project, "node_modules", ".bin", "partnerkit"), [
      "build",
      "--integration",
      "./integration.mjs",
    ]);
    const port = await freePort();
    const child = spawn(process.execPath, [join(project, "dist", "server", "server.mjs")], {
      cwd: project,
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        INTEGRATION_CLIENT_ID: "oac_pebble",
        INTEGRATION_CLIENT_SECRET: randomBytes(24).toString("base64url"),
        PARTNERKIT_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
        DATABASE_URL: join(project, "data", "built.db"),
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const server = new PartnerkitProcess(child, port);
    try {
      await server.waitUntilReady(30_000);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      // The Partner API is there: a request without a token is refused as the spec says.
      const anonymous = await fetch(`${server.url}/v1/installations/icfg_1`);
      expect(anonymous.status).toBe(401);
    } finally {
      await server.stop();
    }
    expect(server.exitStatus?.code).toBe(0);
  });
});
