import { z } from "zod";
import { VercelMetadataSchema } from "./metadata-schema.ts";

/*
 * A product as the Integrations Console configures it: @vercel/sdk 1.28
 * `getconfigurationproductsresponsebody.ts` (`Products`, `Protocols`, `PrimaryProtocol`).
 */

const Status = z.enum(["enabled", "disabled"]);

/** Every protocol has a status; a product declares `{}` for an enabled one. */
const protocol = <Shape extends z.ZodRawShape>(shape: Shape) =>
  z.strictObject({ status: Status.default("enabled"), ...shape });

export const ReplProtocol = z.strictObject({
  enabled: z.boolean(),
  supportsReadOnlyMode: z.boolean(),
  welcomeMessage: z.string().optional(),
});

const Drain = <Format extends readonly [string, ...string[]]>(formats: Format) =>
  protocol({
    endpoint: z.string(),
    headers: z.record(z.string(), z.string()).optional(),
    format: z.enum(formats),
  });

export const ProductProtocols = z.strictObject({
  storage: protocol({ repl: ReplProtocol.partial().optional() }).optional(),
  experimentation: protocol({ edgeConfigSyncingSupport: z.boolean().optional() }).optional(),
  ai: protocol({}).optional(),
  authentication: protocol({ appUrlRegistrationSupport: z.boolean().optional() }).optional(),
  observability: protocol({}).optional(),
  video: protocol({}).optional(),
  workflow: protocol({}).optional(),
  checks: protocol({}).optional(),
  logDrain: Drain(["json", "ndjson"]).optional(),
  traceDrain: Drain(["json", "proto"]).optional(),
  messaging: protocol({}).optional(),
  other: protocol({}).optional(),
});
/** What a product declares (`status` defaults to `"enabled"`; REPL flags come from its commands). */
export type ProductProtocolsInput = z.input<typeof ProductProtocols>;
export type ProductProtocols = z.output<typeof ProductProtocols>;

export const PrimaryProtocol = ProductProtocols.keyof();
export type PrimaryProtocol = z.infer<typeof PrimaryProtocol>;

/** The protocols as the console holds them: REPL flags complete. */
export const ConfiguredProtocols = ProductProtocols.extend({
  storage: protocol({ repl: ReplProtocol.optional() }).optional(),
});

export const ProductConfiguration = z.strictObject({
  id: z.string().min(1),
  slug: z.string().regex(/^[a-z0-9-]+$/, "a slug is lower-case letters, digits and dashes"),
  name: z.string().min(1),
  metadataSchema: VercelMetadataSchema,
  protocols: ConfiguredProtocols,
  primaryProtocol: PrimaryProtocol.optional(),
  /** Not Vercel's: the deployment actions to register under the product, by slug. */
  deploymentActions: z.array(z.strictObject({ slug: z.string(), name: z.string().optional() })),
});
export type ProductConfiguration = z.infer<typeof ProductConfiguration>;
