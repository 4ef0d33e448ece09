import pino from "pino";
import { z } from "zod";
import {
  defineIntegration,
  defineProduct,
} from "../../packages/partnerkit/src/core/define-integration.ts";
import type {
  FlagSync,
  FlagsConfig,
} from "../../packages/partnerkit/src/core/flags/flag-sync-types.ts";
import {
  createServices,
  frameworkJobHandlers,
  type ServiceOptions,
} from "../../packages/partnerkit/src/core/services.ts";
import { JobRunner } from "../../packages/partnerkit/src/jobs/job-runner.ts";
import { ProvisionResourceResponse } from "../../packages/partnerkit/src/protocol/resources.ts";
import { readBody } from "../support/bodies.ts";
import { createTestPartner, install } from "../support/partner-app.ts";

const VERCEL_URL = "https://api.vercel.test";
const silent = pino({ level: "silent" });

/** A call the partner made to Vercel's experimentation API, with its parsed body. */
export interface ExperimentationCall {
  method: string;
  /** The path after `/v1/installations/icfg_1/resources/{resourceId}/experimentation/`. */
  path: string;
  body: unknown;
  status: number;
  at: number;
}

/**
 * Vercel's experimentation endpoints (spec §5.18) as the SDK documents their statuses, for one
 * installation: items kept by id, the configuration kept whole. `fail` makes the next matching
 * calls answer a status instead; `configPaths` are the endpoint names this Vercel knows.
 */
export function fakeExperimentationApi() {
  const calls: ExperimentationCall[] = [];
  const items = new Map<string, Record<string, unknown>>();
  const faults: { method: string; path: RegExp; status: number }[] = [];
  const api = {
    calls,
    items,
    config: undefined as Record<string, unknown> | undefined,
    configPaths: new Set(["global-config", "edge-config"]),
    held: undefined as { reached: () => void; released: Promise<void> } | undefined,
    /** Holds the next call until `release`; `reached` settles when it arrives. */
    holdNextCall() {
      let reached = () => {};
      let release = () => {};
      const arrived = new Promise<void>((resolve) => {
        reached = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      api.held = { reached, released };
      return { reached: arrived, release };
    },
    fail(method: string, path: RegExp, ...statuses: number[]) {
      for (const status of statuses) faults.push({ method, path, status });
    },
    /** `METHOD path` of each call, e.g. `PATCH items/f1 204`. */
    log: () => calls.map((call) => `${call.method} ${call.path} ${call.status}`),
    async fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
      const url = new URL(String(input instanceof Request ? input.url : input));
      const method = init?.method ?? "GET";
      const match = url.pathname.match(
        /^\/v1\/installations\/icfg_1\/resources\/[^/]+\/experimentation\/(.+)$/,
      );
      if (!match?.[1]) return new Response(null, { status: 404 });
      const path = decodeURIComponent(match[1]);
      const body = typeof init?.body === "string" ? (JSON.parse(init.body) as unknown) : undefined;
      const held = api.held;
      if (held) {
        api.held = undefined;
        held.reached();
        await held.released;
      }
      const answer = (status: number, json?: unknown) => {
        calls.push({ method, path, body, status, at: Date.now() });
        return json === undefined
          ? new Response(null, { status })
          : Response.json(json, { status });
      };
      const fault = faults.find((f) => f.method === method && f.path.test(path));
      if (fault) {
        faults.splice(faults.indexOf(fault), 1);
        return answer(fault.status, { error: { code: "fault", message: "injected" } });
      }
      if (path === "items" && method === "POST") {
        for (const item of (body as { items: { id: string }[] }).items) items.set(item.id, item);
        return answer(204);
      }
      const itemId = path.match(/^items\/(.+)$/)?.[1];
      if (itemId && method === "PATCH") {
        if (!items.has(itemId)) return answer(404, { error: { code: "not_found" } });
        items.set(itemId, { id: itemId, ...(body as object) });
        return answer(204);
      }
      if (itemId && method === "DELETE") return answer(items.delete(itemId) ? 204 : 404);
      if (!api.configPaths.has(path)) return answer(404, { error: { code: "not_found" } });
      if (method === "PUT") api.config = (body as { data: Record<string, unknown> }).data;
      if (!api.config) return answer(404, { error: { code: "not_found" } });
      return answer(200, { items: api.config, digest: "vercel-digest", updatedAt: Date.now() });
    },
  };
  return api;
}

export type FakeExperimentationApi = ReturnType<typeof fakeExperimentationApi>;

/** What the test product's `experimentation.config` answers. */
export const HOOK_CONFIG: FlagsConfig = { "new-checkout": { enabled: false }, version: 1 };

/** A flags product with nothing but what the sync needs: a resource and an initial config. */
const flagsProduct = defineProduct({
  id: "test-flags",
  metadata: z.object({}),
  plans: [
    {
      id: "free",
      type: "subscription",
      name: "Free",
      description: "Free flags",
      paymentMethodRequired: false,
      cost: "$0",
    },
  ],
  async provision() {
    return { secrets: [] };
  },
  experimentation: {
    async config() {
      return HOOK_CONFIG;
    },
  },
});

/**
 * A test partner (icfg_1 installed) with the flags product, whose Vercel is `vercel`. Failed jobs
 * are due again at once, so one drain runs a job through its retries.
 */
export async function flagsWorld(options: { firstPushDelayMs?: number } = {}) {
  const vercel = fakeExperimentationApi();
  const services: ServiceOptions = {
    vercel: {
      baseUrl: VERCEL_URL,
      fetch: (input, init) => vercel.fetch(input, init),
      retry: { initialIntervalMs: 1, maxIntervalMs: 5, maxElapsedMs: 200 },
    },
    flags: { firstPushDelayMs: options.firstPushDelayMs ?? 0 },
  };
  const partner = await createTestPartner({
    integration: () => defineIntegration({ products: [flagsProduct] }),
    services,
    jobBackoff: { baseMs: 0, maxMs: 0 },
  });
  await install(partner);
  return {
    partner,
    vercel,
    /** Provisions a flags resource, with `edgeConfigId` when given; returns its id. */
    async provision(edgeConfigId?: string): Promise<string> {
      const response = await partner.call("POST", "/v1/installations/icfg_1/resources", {
        body: {
          productId: "test-flags",
          name: "flags",
          metadata: {},
          billingPlanId: "free",
          ...(edgeConfigId && { protocolSettings: { experimentation: { edgeConfigId } } }),
        },
      });
      return (await readBody(response, ProvisionResourceResponse)).id;
    },
    /** `ctx.sync.flags` as a provider reaches it outside a request. */
    async flags(): Promise<FlagSync> {
      return (await partner.services.contextFor("icfg_1", silent)).sync.flags;
    },
    /** Another instance on the same database: its own services and job runner. */
    otherInstance(): JobRunner {
      const other = createServices(partner.integration, partner.store, services);
      return new JobRunner({
        store: partner.store,
        log: silent,
        handlers: frameworkJobHandlers(other, silent),
        backoff: { baseMs: 0, maxMs: 0 },
      });
    },
  };
}

export type FlagsWorld = Awaited<ReturnType<typeof flagsWorld>>;
