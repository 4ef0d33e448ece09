import { z } from "zod";
import { BillingPlan, Notification } from "./common.ts";

/** PUT /v1/installations/{id}, spec §4.2. Inbound bodies accept unknown keys. */
export const UpsertInstallationRequest = z.object({
  scopes: z.array(z.string()).min(1),
  acceptedPolicies: z.record(z.string(), z.string()),
  credentials: z.object({ access_token: z.string().min(1), token_type: z.string() }),
  account: z.object({
    name: z.string().optional(),
    url: z.string(),
    contact: z.object({ email: z.string(), name: z.string().optional() }),
  }),
});
export type UpsertInstallationRequest = z.infer<typeof UpsertInstallationRequest>;

/** PATCH /v1/installations/{id}, spec §4.3. */
export const UpdateInstallationRequest = z.object({ billingPlanId: z.string().min(1).optional() });
export type UpdateInstallationRequest = z.infer<typeof UpdateInstallationRequest>;

/** DELETE /v1/installations/{id}, spec §4.4. `reason` values are UNCONFIRMED: any string. */
export const DeleteInstallationRequest = z.object({
  cascadeResourceDeletion: z.boolean().optional(),
  reason: z.string().optional(),
});
export type DeleteInstallationRequest = z.infer<typeof DeleteInstallationRequest>;

/** Body of GET/PUT/PATCH installation responses. */
export const InstallationResponse = z.strictObject({
  billingPlan: BillingPlan.optional(),
  notification: Notification.nullable().optional(),
});
export type InstallationResponse = z.infer<typeof InstallationResponse>;

export const DeleteInstallationResponse = z.strictObject({ finalized: z.boolean().optional() });
export type DeleteInstallationResponse = z.infer<typeof DeleteInstallationResponse>;
