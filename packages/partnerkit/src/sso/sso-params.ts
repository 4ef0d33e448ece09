import { z } from "zod";

/** `path` values Vercel is known to send (spec §9.1, §15); any other is tolerated and ignored. */
export const KNOWN_SSO_PATHS = ["billing", "usage", "onboarding", "secrets", "support"] as const;
export type SsoPath = (typeof KNOWN_SSO_PATHS)[number];

const id = z.string().trim().min(1).max(256);
const optionalId = id.optional().catch(undefined);

/**
 * The query Vercel sends to the Redirect Login URL (spec §9.1, §15). Only `code` is required to
 * go on: `mode` is always `sso` in practice but is not checked, `state` is passed back as it came,
 * and a context parameter that is malformed is dropped rather than refusing the sign-in.
 */
export const SsoParams = z.object({
  mode: z.string().optional().catch(undefined),
  code: z.string().trim().min(1).max(2048),
  state: z.string().max(2048).optional().catch(undefined),
  product_id: optionalId,
  resource_id: optionalId,
  project_id: optionalId,
  invoice_id: optionalId,
  check_id: optionalId,
  experimentation_item_id: optionalId,
  pr: z.string().max(2048).optional().catch(undefined),
  path: z
    .string()
    .optional()
    .catch(undefined)
    .transform((value) => KNOWN_SSO_PATHS.find((known) => known === value)),
  url: z.string().max(4096).optional().catch(undefined),
  // Legacy: the automatic Support link deep-links with `support=true` (spec §9.1).
  support: z.string().optional().catch(undefined),
});
export type SsoParams = z.infer<typeof SsoParams>;

/** Parses the first value of each query parameter; `undefined` when `code` is missing or unusable. */
export function parseSsoParams(query: Record<string, string>): SsoParams | undefined {
  const parsed = SsoParams.safeParse(query);
  return parsed.success ? parsed.data : undefined;
}
