import { z } from "zod";
import {
  BillingPlan,
  JsonObject,
  Notification,
  ProtocolSettings,
  ResourceStatus,
  Secret,
} from "./common.ts";

/** POST /v1/installations/{id}/resources, spec §4.5. */
export const ProvisionResourceRequest = z.object({
  productId: z.string().min(1),
  name: z.string().min(1),
  metadata: JsonObject,
  billingPlanId: z.string().min(1),
  externalId: z.string().optional(),
  protocolSettings: z
    .object({ experimentation: z.object({ edgeConfigId: z.string().optional() }).optional() })
    .optional(),
});
export type ProvisionResourceRequest = z.infer<typeof ProvisionResourceRequest>;

/** PATCH /v1/installations/{id}/resources/{rid}, spec §4.7. `status` is deprecated but accepted. */
export const UpdateResourceRequest = z.object({
  name: z.string().min(1).optional(),
  metadata: JsonObject.optional(),
  billingPlanId: z.string().min(1).optional(),
  status: ResourceStatus.optional(),
  protocolSettings: z
    .object({ experimentation: z.object({ edgeConfigId: z.string().optional() }).optional() })
    .optional(),
});
export type UpdateResourceRequest = z.infer<typeof UpdateResourceRequest>;

/** The partner representation of a resource, spec §3.4. */
export const Resource = z.strictObject({
  id: z.string(),
  productId: z.string(),
  name: z.string(),
  metadata: JsonObject,
  status: ResourceStatus,
  billingPlan: BillingPlan.optional(),
  notification: Notification.optional(),
  protocolSettings: ProtocolSettings.optional(),
});
export type Resource = z.infer<typeof Resource>;

export const ProvisionResourceResponse = z.strictObject({
  ...Resource.shape,
  secrets: z.array(Secret),
});
export type ProvisionResourceResponse = z.infer<typeof ProvisionResourceResponse>;

/** Deprecated list endpoint, spec §4.9. */
export const ListResourcesResponse = z.strictObject({ resources: z.array(Resource) });
export type ListResourcesResponse = z.infer<typeof ListResourcesResponse>;
