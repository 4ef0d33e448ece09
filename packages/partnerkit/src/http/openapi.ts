import { z } from "zod";
import type { OpenApiDocument } from "../protocol/openapi-document.ts";
import { probeRoutes } from "./health.ts";
import { type JsonSchema, SchemaComponents } from "./openapi-schemas.ts";
import { errorResponse } from "./route-responses.ts";
import {
  openApiPath,
  pathParameters,
  type ResponseSpec,
  type RouteAuth,
  type RouteMeta,
} from "./route-spec.ts";
import { partnerApiRoutes } from "./route-table.ts";
import { openApiDocumentRoute } from "./routes/openapi-document.ts";
import { webhookRoute } from "./routes/webhooks.ts";

/** `packages/partnerkit/package.json`'s version (a test keeps them equal; bundles cannot read it). */
export const PARTNERKIT_VERSION = "0.2.0";

export interface OpenApiOptions {
  /** Where the webhook receiver listens (`/webhooks` by default); `false` when there is none. */
  webhooksPath?: string | false;
  /** Whether `/healthz` and `/readyz` are answered; true by default. */
  probes?: boolean;
  /** `PUBLIC_URL`, given as the document's server; no server is named when absent. */
  publicUrl?: string;
}

/** The routes the document describes, in its order. */
export function documentedRoutes(options: OpenApiOptions = {}): RouteMeta[] {
  const webhooksPath = options.webhooksPath ?? "/webhooks";
  return [
    ...partnerApiRoutes,
    ...(webhooksPath === false ? [] : [webhookRoute(webhooksPath)]),
    ...(options.probes === false ? [] : probeRoutes),
    openApiDocumentRoute,
  ];
}

const TAGS = [
  {
    name: "Installations",
    description: "A team's installation of the integration (spec §4.1–§4.4).",
  },
  {
    name: "Resources",
    description: "The products' resources and what can be done to them (spec §4.5–§4.11).",
  },
  {
    name: "Plans",
    description:
      "Billing plans offered for a product, an installation, a resource (spec §4.12–§4.14).",
  },
  { name: "Billing", description: "Prepaid credit purchases (spec §4.15)." },
  { name: "Transfers", description: "Handing resources to another team (spec §4.16)." },
  { name: "Webhooks", description: "Events Vercel delivers to the integration (spec §6)." },
  { name: "Operations", description: "Probes for load balancers and this document." },
];

const PATH_PARAMETERS: Readonly<Record<string, string>> = {
  installationId: "Vercel's id of the installation (`icfg_…`); the token must be issued for it.",
  resourceId: "The id the integration gave the resource when it was provisioned.",
  productSlug: "The product's id (slug) as configured in the integration console.",
  providerClaimId: "The id the integration gave the transfer when it was created.",
};

/**
 * The Partner API as Partnerkit serves it, as an OpenAPI 3.1 document built from the route
 * declarations the app registers, with the protocol's zod schemas as `components/schemas`.
 */
export function partnerApiOpenApi(options: OpenApiOptions = {}): OpenApiDocument {
  const schemas = new SchemaComponents();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of documentedRoutes(options)) {
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method]: operation(route, schemas) };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Vercel Marketplace Partner API (Partnerkit)",
      version: PARTNERKIT_VERSION,
      description:
        "The endpoints Vercel's Marketplace calls on a native integration's Base URL, and its webhook receiver, as a Partnerkit server answers them. Every 4xx answer has the error body of spec §3.3 (`ErrorBody`).",
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
    },
    ...(options.publicUrl && { servers: [{ url: options.publicUrl }] }),
    tags: TAGS,
    paths,
    components: {
      schemas: schemas.components(),
      securitySchemes: {
        vercelOidc: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description:
            "An OIDC token signed by Vercel's Marketplace (keys at https://marketplace.vercel.com/.well-known/jwks), issued for this integration; `X-Vercel-Auth` says whether it stands for a user or for Vercel itself (spec §2).",
        },
        webhookSignature: {
          type: "apiKey",
          in: "header",
          name: "x-vercel-signature",
          description:
            "Lowercase hex HMAC-SHA1 of the raw body, keyed with the integration's client secret (spec §6.2).",
        },
      },
    },
  };
}

function operation(route: RouteMeta, schemas: SchemaComponents): Record<string, unknown> {
  const parameters = [
    ...pathParameters(route.path).map((name) => ({
      name,
      in: "path",
      required: true,
      description: PATH_PARAMETERS[name],
      schema: { type: "string" },
    })),
    ...(route.query ?? []).map((query) => ({
      name: query.name,
      in: "query",
      required: false,
      description: query.description,
      ...(query.json
        ? { content: { "application/json": { schema: jsonSchema(query.schema) } } }
        : { schema: queryValue(query.schema, query.repeated) }),
    })),
    ...(route.auth.kind === "vercel"
      ? [
          {
            name: "X-Vercel-Auth",
            in: "header",
            required: false,
            description: "Which kind of token is presented.",
            schema: { type: "string", enum: [...route.auth.allow] },
          },
        ]
      : []),
    ...(route.idempotent
      ? [
          {
            name: "Idempotency-Key",
            in: "header",
            required: false,
            description:
              "Stays the same across Vercel's retries of one request: a repeat gets the first answer again, with `Idempotent-Replayed: true` (spec §3.1).",
            schema: { type: "string", maxLength: 255 },
          },
        ]
      : []),
  ];
  return {
    operationId: operationId(route.summary),
    summary: route.summary,
    description: [
      [route.section && `Spec ${route.section}.`, authText(route.auth)].filter(Boolean).join(" "),
      route.description,
    ]
      .filter(Boolean)
      .join("\n\n"),
    tags: [route.tag],
    ...(route.deprecated && { deprecated: true }),
    security: security(route.auth),
    ...(parameters.length > 0 && { parameters }),
    ...(route.body && {
      requestBody: {
        required: !route.body.optional,
        content: { "application/json": { schema: schemas.ref(route.body.schema, "input") } },
      },
    }),
    responses: responses(route, schemas),
  };
}

function jsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...value } = z.toJSONSchema(schema);
  return value;
}

function queryValue(schema: z.ZodType, repeated = false): JsonSchema {
  return repeated ? { type: "array", items: jsonSchema(schema) } : jsonSchema(schema);
}

/** "List Billing Plans For Product" → "listBillingPlansForProduct". */
function operationId(summary: string): string {
  const words = summary.split(/\s+/);
  return words
    .map((word, index) =>
      index === 0 ? word.toLowerCase() : `${word[0]?.toUpperCase()}${word.slice(1)}`,
    )
    .join("");
}

function authText(auth: RouteAuth): string {
  if (auth.kind === "none") return "No authentication.";
  if (auth.kind === "webhook-signature") return "Signed with `x-vercel-signature`.";
  const kinds = auth.allow.map((kind) => `${kind} auth`).join(" or ");
  const role = auth.write && auth.allow.includes("user") ? " (a user needs the ADMIN role)" : "";
  return `Accepts ${kinds}${role}.`;
}

function security(auth: RouteAuth): Record<string, string[]>[] {
  if (auth.kind === "vercel") return [{ vercelOidc: [] }];
  if (auth.kind === "webhook-signature") return [{ webhookSignature: [] }];
  return [];
}

const RETRY_AFTER = {
  "Retry-After": { description: "Seconds to wait before retrying", schema: { type: "integer" } },
};

/** Answers the guards and the body check give on top of what the route declares. */
function impliedResponses(route: RouteMeta): Record<number, ResponseSpec & { headers?: object }> {
  const implied: Record<number, ResponseSpec & { headers?: object }> = {};
  const add = (status: number, description: string) => {
    const seen = implied[status];
    implied[status] = errorResponse(seen ? `${seen.description}. ${description}` : description);
  };
  if (route.body) {
    add(400, "The body is not JSON or fails validation (`fields` names the keys)");
    add(413, "The body is larger than the server accepts");
  }
  if (route.idempotent) {
    add(400, "`Idempotency-Key` is longer than 255 characters");
    add(409, "A request with this `Idempotency-Key` is still running");
    add(422, "This `Idempotency-Key` was used with a different body");
  }
  if (route.auth.kind === "vercel") {
    add(401, "No valid bearer token");
    add(
      403,
      "The token's auth type or role may not do this, or it was issued for another installation",
    );
    implied[503] = {
      ...errorResponse("Vercel's signing keys cannot be loaded, or the installation is busy"),
      headers: RETRY_AFTER,
    };
  }
  if (route.auth.kind !== "none") add(500, "Unexpected failure (no details are given)");
  return implied;
}

function responses(route: RouteMeta, schemas: SchemaComponents): Record<string, unknown> {
  const implied = impliedResponses(route);
  const statuses = [...new Set([...Object.keys(implied), ...Object.keys(route.responses)])]
    .map(Number)
    .sort((a, b) => a - b);
  const answers: Record<string, unknown> = {};
  for (const status of statuses) {
    const declared = route.responses[status];
    const extra = implied[status];
    const spec = declared ?? extra;
    if (!spec) continue;
    const description =
      declared && extra ? `${declared.description}. ${extra.description}` : spec.description;
    const replayed = route.idempotent && status < 300;
    const headers = {
      ...extra?.headers,
      ...(replayed && {
        "Idempotent-Replayed": {
          description: "`true` when this is the stored answer to an earlier request",
          schema: { type: "string", enum: ["true"] },
        },
      }),
    };
    answers[String(status)] = {
      description,
      ...(Object.keys(headers).length > 0 && { headers }),
      ...(spec.schema && {
        content: {
          [spec.contentType ?? "application/json"]: { schema: schemas.ref(spec.schema, "output") },
        },
      }),
    };
  }
  return answers;
}
