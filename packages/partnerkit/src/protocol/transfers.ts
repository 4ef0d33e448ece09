import { z } from "zod";
import { BillingPlan, EpochMilliseconds } from "./common.ts";

/** POST /v1/installations/{id}/resource-transfer-requests, spec §4.16 (current docs' shape). */
export const CreateTransferRequest = z.object({
  resourceIds: z.array(z.string().min(1)).min(1),
  /** Epoch milliseconds after which the claim cannot be accepted. */
  expiresAt: EpochMilliseconds,
});
export type CreateTransferRequest = z.infer<typeof CreateTransferRequest>;

export const CreateTransferResponse = z.strictObject({ providerClaimId: z.string() });
export type CreateTransferResponse = z.infer<typeof CreateTransferResponse>;

// The verify response schema is not published (UNCONFIRMED); this follows the flows doc's example.
export const VerifyTransferResponse = z.strictObject({
  valid: z.boolean(),
  billingPlan: BillingPlan.optional(),
});
export type VerifyTransferResponse = z.infer<typeof VerifyTransferResponse>;
