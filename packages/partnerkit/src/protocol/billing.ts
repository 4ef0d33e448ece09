import { z } from "zod";

/** Balance, spec §3.4. */
export const Balance = z.strictObject({
  currencyValueInCents: z.number(),
  credit: z.string().optional(),
  nameLabel: z.string().optional(),
  resourceId: z.string().optional(),
});
export type Balance = z.infer<typeof Balance>;

/** POST /v1/installations/{id}/billing/provision, spec §4.15. */
export const ProvisionPurchaseRequest = z.object({ invoiceId: z.string().min(1) });
export type ProvisionPurchaseRequest = z.infer<typeof ProvisionPurchaseRequest>;

export const ProvisionPurchaseResponse = z.strictObject({
  timestamp: z.iso.datetime(),
  balances: z.array(Balance),
});
export type ProvisionPurchaseResponse = z.infer<typeof ProvisionPurchaseResponse>;
