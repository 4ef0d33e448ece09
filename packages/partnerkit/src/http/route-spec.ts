import type { Context } from "hono";
import type { z } from "zod";
import type { AuthType } from "../protocol/claims.ts";
import type { AppEnv } from "./env.ts";
import { readJson } from "./json-body.ts";

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

/** Who may call a route: a Vercel OIDC token (spec §2.4–§2.5), a webhook signature (§6.2), anyone. */
export type RouteAuth =
  | { kind: "vercel"; allow: readonly AuthType[]; write: boolean }
  | { kind: "webhook-signature" }
  | { kind: "none" };

export interface ResponseSpec {
  description: string;
  /** A named schema of `protocol/`; absent for a response without a body (204). */
  schema?: z.ZodType;
  /** Content type of the body; JSON unless said. */
  contentType?: string;
}

export interface QueryParameter {
  name: string;
  description: string;
  schema: z.ZodType;
  /** Given once per value (`?ids=a&ids=b`). */
  repeated?: boolean;
  /** The value is JSON-encoded (`?metadata={"region":"iad1"}`). */
  json?: boolean;
}

/** What a route is, without how it answers: what the HTTP registration and the OpenAPI document share. */
export interface RouteMeta {
  method: HttpMethod;
  /** Hono's form, `:param` for a path parameter. */
  path: string;
  summary: string;
  /** Where the protocol spec describes it, e.g. `§4.5`. */
  section?: string;
  tag: string;
  description?: string;
  deprecated?: boolean;
  auth: RouteAuth;
  /** Honours `Idempotency-Key` (spec §3.1). */
  idempotent?: boolean;
  body?: {
    /** The schema the body is validated with before the handler runs; a named schema of `protocol/`. */
    schema: z.ZodType;
    /** An empty body counts as `{}`. */
    optional?: boolean;
  };
  query?: readonly QueryParameter[];
  /** Answers the route gives itself; the ones its auth, body and idempotency imply are added. */
  responses: Readonly<Record<number, ResponseSpec>>;
}

/** A declared route bound to nothing yet: `deps` are the services it answers with. */
export interface Route<Deps> extends RouteMeta {
  run(c: Context<AppEnv>, deps: Deps): Promise<Response>;
}

export interface RouteDeclaration<Deps, Path extends string, Body extends z.ZodType>
  extends Omit<RouteMeta, "path" | "body"> {
  path: Path;
  body?: { schema: Body; optional?: boolean };
  /** Runs after the auth and idempotency checks, with the body already validated. */
  handle(c: Context<AppEnv, Path>, body: z.output<Body>, deps: Deps): Response | Promise<Response>;
}

/**
 * A route as one declaration: the app registers it (guards, body validation, handler) and the
 * OpenAPI document describes it from the same object, so the two cannot drift apart.
 */
export function defineRoute<Deps, Path extends string, Body extends z.ZodType = z.ZodUndefined>(
  declaration: RouteDeclaration<Deps, Path, Body>,
): Route<Deps> {
  const { handle, ...meta } = declaration;
  const body = declaration.body;
  return {
    ...meta,
    async run(c, deps) {
      // Without a declared body the handler's `body` is `undefined`, as `z.ZodUndefined` says.
      const value = body ? await readJson(c, body.schema, body.optional) : undefined;
      return handle(c, value as z.output<Body>, deps);
    },
  };
}

/** `/v1/installations/:installationId` → `/v1/installations/{installationId}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

export function pathParameters(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1] ?? "");
}
