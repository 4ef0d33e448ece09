import { Hono } from "hono";
import type { DashboardEnv, Product, Secret } from "partnerkit";
import { defineIntegration, defineProduct, type Integration } from "partnerkit";
import { z } from "zod";
import { kvSmokeCheck } from "./checks.ts";
import { acmeKvDashboard } from "./dashboard.ts";
import { acmeKvDataPlane } from "./data-plane.ts";
import { acmeFlagsDashboard } from "./flags/dashboard.ts";
import { acmeFlagsDataPlane } from "./flags/data-plane.ts";
import { FlagChanges } from "./flags/flag-changes.ts";
import type { FlagStore } from "./flags/flag-store.ts";
import { acmeFlagsProduct } from "./flags/product.ts";
import type { KvStore } from "./kv-store.ts";
import { ACME_KV_METERS, acmeKvPlans } from "./plans.ts";
import { acmeKvRepl } from "./repl.ts";

const TOKEN = "KV_REST_API_TOKEN";

/**
 * The form Vercel shows for a new store, and what its values must be. There is no name field:
 * Vercel asks for the resource's name itself and sends it beside the metadata. Every field has a
 * default, so Vercel's CLI and agents can provision without opening a browser.
 */
export const AcmeKvMetadata = z.object({
  // A store's data stays where it was created: the region is shown, not editable, on update.
  region: z
    .enum(["iad1", "fra1", "sfo1"])
    .default("iad1")
    .meta({
      ui: {
        control: "vercel-region",
        label: "Region",
        description: "Where the data is kept",
        readOnly: "update",
      },
    }),
  evictionPolicy: z
    .enum(["noeviction", "allkeys-lru", "volatile-lru"])
    .default("noeviction")
    .meta({
      ui: {
        label: "Eviction policy",
        description: "What happens when the store is full",
        options: {
          noeviction: "Refuse writes",
          "allkeys-lru": "Evict the least recently used keys",
          "volatile-lru": "Evict the least recently used keys that expire",
        },
      },
    }),
  // Vercel's slider holds an array of numbers: here the one value it points at.
  maxMemoryMb: z
    .array(z.number().int().min(256).max(4096))
    .length(1)
    .default([256])
    .meta({
      ui: {
        control: "slider",
        label: "Max memory (MB)",
        steps: [256, 512, 1024, 2048, 4096],
        paidOnly: true,
      },
    }),
});

/** The data-plane namespace of one deployment's branch. */
export const branchNamespace = (resourceId: string, deploymentId: string) =>
  `${resourceId}--${deploymentId}`;

export interface AcmeKvOptions {
  kv: KvStore;
  /** Base URL the data plane is served at (DESIGN §3 `PUBLIC_URL`). */
  publicUrl: string;
}

/** Acme KV alone: a key-value store served by the integration server itself (DESIGN §3). */
export function acmeKvIntegration({ kv, publicUrl }: AcmeKvOptions): Integration {
  return defineIntegration({
    products: [acmeKvProduct({ kv, publicUrl })],
    routes: ({ meter }) => acmeKvDataPlane(kv, meter),
    dashboard: acmeKvDashboard(kv),
  });
}

export interface AcmeOptions extends AcmeKvOptions {
  flags: FlagStore;
}

/**
 * The bundled demo, as `partnerkit dev` serves it: Acme KV, and Acme Flags beside it (the
 * experimentation protocol), each with its own API and dashboard pages on the same server.
 */
export function acmeIntegration({ kv, flags, publicUrl }: AcmeOptions): Integration {
  const changes = new FlagChanges(flags, publicUrl);
  const kvPages = acmeKvDashboard(kv);
  const flagPages = acmeFlagsDashboard(flags, changes);
  return defineIntegration({
    products: [acmeKvProduct({ kv, publicUrl }), acmeFlagsProduct({ flags, changes, publicUrl })],
    routes: (tools) =>
      new Hono()
        .route("/", acmeKvDataPlane(kv, tools.meter))
        .route("/", acmeFlagsDataPlane(flags, changes, tools)),
    dashboard: {
      resourceLinks: [
        ...(kvPages.resourceLinks ?? []).map((link) => ({ ...link, productId: "acme-kv" })),
        ...(flagPages.resourceLinks ?? []),
      ],
      itemPage: flagPages.itemPage,
      routes: (tools) =>
        new Hono<DashboardEnv>()
          .route("/", kvPages.routes(tools))
          .route("/", flagPages.routes(tools)),
    },
  });
}

function acmeKvProduct({ kv, publicUrl }: AcmeKvOptions): Product {
  const secretsOf = (namespace: string, token: string): Secret[] => [
    { name: "KV_REST_API_URL", value: `${publicUrl}/kv/${namespace}` },
    { name: TOKEN, value: token },
  ];
  return defineProduct({
    id: "acme-kv",
    name: "Acme KV",
    metadata: AcmeKvMetadata,
    plans: acmeKvPlans,
    meters: ACME_KV_METERS,
    // Every store of an installation in one query when Partnerkit reports its usage.
    async usageOf(_ctx, resources) {
      const bytes = await kv.storedBytesOf(resources.map((resource) => resource.id));
      return [...bytes].map(([resourceId, value]) => ({ resourceId, meter: "storage", value }));
    },
    // An overdue invoice suspends the store (its data plane refuses requests); paying resumes it.
    async onInvoice(ctx, resource, invoice) {
      if (invoice.state === "overdue") {
        await kv.suspend(resource.id);
        ctx.log.info({ resourceId: resource.id, invoiceId: invoice.invoiceId }, "kv suspended");
        return {
          status: "suspended",
          notification: {
            level: "error",
            title: "Suspended: invoice overdue",
            message: `Pay invoice ${invoice.invoiceId} (${invoice.total} USD) to resume the store.`,
          },
        };
      }
      if (invoice.state === "paid" && (await kv.resume(resource.id))) {
        ctx.log.info({ resourceId: resource.id, invoiceId: invoice.invoiceId }, "kv resumed");
        return { status: "ready", notification: null };
      }
      return undefined;
    },
    async provision(ctx, request) {
      const token = await kv.createNamespace(request.id, request.id);
      const { region, evictionPolicy, maxMemoryMb } = request.metadata;
      ctx.log.info(
        { resourceId: request.id, region, evictionPolicy, maxMemoryMb },
        "kv namespace created",
      );
      return { status: "ready", secrets: secretsOf(request.id, token) };
    },
    actions: {
      // A branch of the store for each deployment: its data copied, its own credentials.
      branch: {
        name: "Branch the database for the deployment",
        async start(ctx, { resource, deployment }) {
          const namespace = branchNamespace(resource.id, deployment.id);
          const token = await kv.branch(resource.id, namespace, resource.id);
          ctx.log.info({ namespace, gitRef: deployment.gitRef }, "kv branch created");
          return { secrets: secretsOf(namespace, token) };
        },
        async cancel(_ctx, { resource, deployment }) {
          await kv.deleteNamespace(branchNamespace(resource.id, deployment.id));
        },
        async cleanup(_ctx, { resource, deployment }) {
          await kv.deleteNamespace(branchNamespace(resource.id, deployment.id));
        },
      },
    },
    checks: { "kv-smoke": kvSmokeCheck(kv, branchNamespace) },
    // The old token keeps working beside the new one until the grace period ends.
    secretsRotation: {
      async rotate(ctx, resource, { reason }) {
        const token = await kv.rotateToken(resource.id);
        ctx.log.info({ resourceId: resource.id, reason }, "kv token rotated");
        return { secrets: [{ name: TOKEN, value: token }], partial: true };
      },
      async revoke(_ctx, resource, previous) {
        const token = previous.find((secret) => secret.name === TOKEN);
        if (token) await kv.revokeToken(resource.id, token.value);
      },
    },
    repl: acmeKvRepl(kv),
    protocols: {
      storage: { repl: { welcomeMessage: "Acme KV: get, set, del and keys on this store." } },
    },
    // Listed as storage; its deployment check turns the checks protocol on too.
    primaryProtocol: "storage",
    // A claimed store changes hands: the token its provisioner held stops working at once, and the
    // new owner's projects get a fresh one (§5.11; Vercel redeploys nothing, so a claimed project
    // picks it up on its next deployment).
    async onTransfer(ctx, resource, transfer) {
      const token = await kv.reissueToken(resource.id);
      await ctx.sync.updateResourceSecrets(resource.id, [{ name: TOKEN, value: token }], {
        partial: true,
      });
      ctx.log.info({ resourceId: resource.id, from: transfer.from }, "kv token re-issued");
    },
    async delete(ctx, resource) {
      // Branches of live deployments go too: their data is the resource's.
      await kv.deleteResource(resource.id);
      ctx.log.info({ resourceId: resource.id }, "kv namespace and branches deleted");
    },
  });
}
