import { z } from "zod";
import { Secret } from "./common.ts";

/** POST …/resources/{rid}/secrets/rotate, spec §4.10. */
export const RotateSecretsRequest = z.object({
  reason: z.string().optional(),
  delayOldSecretsExpirationHours: z.number().min(0).max(720).optional(),
});
export type RotateSecretsRequest = z.infer<typeof RotateSecretsRequest>;

/** 200 when rotated at once; 202 `{ sync: false }` when finished later through Update Secrets (§5.11). */
export const RotateSecretsResponse = z.discriminatedUnion("sync", [
  z.strictObject({
    sync: z.literal(true),
    secrets: z.array(Secret),
    partial: z.boolean().optional(),
  }),
  z.strictObject({ sync: z.literal(false) }),
]);
export type RotateSecretsResponse = z.infer<typeof RotateSecretsResponse>;
