import type { Context } from "hono";
import { Hono } from "hono";
import {
  CreateExperimentationItemsBody,
  type ExperimentationItem,
  FLAGS_CONFIG_PATHS,
  PushFlagsConfigBody,
  UpdateExperimentationItemBody,
} from "../../../protocol/experimentation.ts";
import type { EdgeConfigLink, EmulatedResource } from "../../state.ts";
import { authorize } from "../auth.ts";
import type { VercelApiDeps, VercelApiEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { flagsDigest, type StoredFlagsConfig } from "../store.ts";
import { readVercelBody } from "../unknown-fields.ts";
import { ownResource } from "./resources.ts";

const BASE = "/v1/installations/:id/resources/:resourceId/experimentation";

/** Epoch times below this are seconds: 10^11 ms is 1973, 10^11 s the year 5138. */
const SECONDS_BELOW = 1e11;

type FlagsConfigAnswer = Omit<StoredFlagsConfig, "path">;

/**
 * The experimentation API (spec §5.18): a resource's flags and experiments as Vercel lists them,
 * and the flags configuration pushed to its Edge Config under both of the endpoint's names.
 */
export function experimentationRoutes({ state, store }: VercelApiDeps) {
  const routes = new Hono<VercelApiEnv>();

  const liveResource = (c: Context<VercelApiEnv>) => {
    const installation = authorize(c, state, c.req.param("id"), "live");
    return ownResource(state, installation, c.req.param("resourceId") ?? "");
  };

  /**
   * The resource's Edge Config. Without syncing there is nothing to push to: 404 is the tolerant
   * reading, as for an unknown resource (UNCONFIRMED: Vercel might answer 400 or 409).
   */
  const edgeConfigOf = (resource: EmulatedResource): EdgeConfigLink => {
    if (resource.edgeConfig) return resource.edgeConfig;
    throw ApiError.notFound(
      `Resource ${resource.id} does not sync flags to an Edge Config: the user has not turned syncing on (no protocolSettings.experimentation.edgeConfigId)`,
    );
  };

  /** What was pushed last, or the Edge Config as Vercel created it: empty. */
  const currentConfig = (resource: EmulatedResource): FlagsConfigAnswer => {
    const edgeConfig = edgeConfigOf(resource);
    return (
      store.flagsConfigs.get(resource.id) ?? {
        items: {},
        digest: flagsDigest({}),
        updatedAt: edgeConfig.createdAt,
      }
    );
  };

  routes.post(`${BASE}/items`, async (c) => {
    const resource = liveResource(c);
    const { items } = await readVercelBody(c, CreateExperimentationItemsBody);
    addWarnings(
      c,
      items.flatMap((item, index) => secondsTimestamps(item, `items[${index}].`)),
    );
    store.upsertItems(resource.id, items);
    return c.body(null, 204);
  });

  routes.patch(`${BASE}/items/:itemId`, async (c) => {
    const resource = liveResource(c);
    const patch = await readVercelBody(c, UpdateExperimentationItemBody);
    addWarnings(c, secondsTimestamps(patch, ""));
    const itemId = c.req.param("itemId");
    if (!store.updateItem(resource.id, itemId, patch)) throw noItem(resource, itemId);
    return c.body(null, 204);
  });

  routes.delete(`${BASE}/items/:itemId`, (c) => {
    const resource = liveResource(c);
    const itemId = c.req.param("itemId");
    if (!store.deleteItem(resource.id, itemId)) throw noItem(resource, itemId);
    return c.body(null, 204);
  });

  for (const name of FLAGS_CONFIG_PATHS) {
    routes.put(`${BASE}/${name}`, async (c) => {
      const resource = liveResource(c);
      const current = currentConfig(resource);
      const { data } = await readVercelBody(c, PushFlagsConfigBody);
      const ifMatch = c.req.header("if-match");
      if (ifMatch !== undefined && !tagMatches(ifMatch, current.digest)) {
        throw new ApiError(
          412,
          "precondition_failed",
          `If-Match ${ifMatch} is not the current digest ${current.digest}: the configuration changed since it was read`,
        );
      }
      return configAnswer(c, store.pushFlagsConfig(resource.id, data, name));
    });

    // Hono answers HEAD with this handler's headers and no body.
    routes.get(`${BASE}/${name}`, (c) => {
      const current = currentConfig(liveResource(c));
      const ifNoneMatch = c.req.header("if-none-match");
      if (ifNoneMatch !== undefined && tagMatches(ifNoneMatch, current.digest)) {
        return c.body(null, 304, { etag: `"${current.digest}"` });
      }
      return configAnswer(c, current);
    });
  }

  return routes;
}

function configAnswer(c: Context<VercelApiEnv>, config: FlagsConfigAnswer): Response {
  const { items, digest, updatedAt } = config;
  return c.json({ items, digest, updatedAt, purpose: "flags" }, 200, { etag: `"${digest}"` });
}

/** Whether an `If-Match`/`If-None-Match` value names the digest: quoted, weak, listed or `*`. */
function tagMatches(header: string, digest: string): boolean {
  return header
    .split(",")
    .map((tag) =>
      tag
        .trim()
        .replace(/^W\//, "")
        .replace(/^"(.*)"$/, "$1"),
    )
    .some((tag) => tag === "*" || tag === digest);
}

function noItem(resource: EmulatedResource, itemId: string): ApiError {
  return ApiError.notFound(`No experimentation item ${itemId} on resource ${resource.id}`);
}

/** `createdAt`/`updatedAt` values that look like epoch seconds, which Vercel reads as 1970. */
export function secondsTimestamps(
  item: Pick<ExperimentationItem, "createdAt" | "updatedAt">,
  prefix: string,
): string[] {
  return (["createdAt", "updatedAt"] as const).flatMap((key) => {
    const value = item[key];
    if (value === undefined || value >= SECONDS_BELOW) return [];
    const read = new Date(value).toISOString().slice(0, 10);
    return [
      `\`${prefix}${key}\` ${value} reads as ${read}: Vercel expects epoch milliseconds, not seconds`,
    ];
  });
}

function addWarnings(c: Context<VercelApiEnv>, warnings: string[]): void {
  if (warnings.length > 0) c.set("warnings", [...(c.get("warnings") ?? []), ...warnings]);
}
