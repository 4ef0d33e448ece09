import { z } from "zod";

/** The largest distance from the epoch a JavaScript Date can hold (ECMA-262 §21.4.1.1). */
const MAX_DATE_MS = 8.64e15;

/** Resource lifecycle states, spec §3.4. */
export const ResourceStatus = z.enum([
  "ready",
  "pending",
  "onboarding",
  "suspended",
  "resumed",
  "uninstalled",
  "error",
]);
export type ResourceStatus = z.infer<typeof ResourceStatus>;

export const Notification = z.object({
  level: z.enum(["info", "warn", "error"]),
  title: z.string(),
  message: z.string().optional(),
  href: z.string().optional(),
});
export type Notification = z.infer<typeof Notification>;

const PlanDetail = z.object({ label: z.string(), value: z.string().optional() });

/** BillingPlan, spec §3.4. Strict: this is what we send. */
export const BillingPlan = z.strictObject({
  id: z.string().min(1),
  type: z.enum(["prepayment", "subscription"]),
  name: z.string(),
  description: z.string(),
  scope: z.enum(["installation", "resource"]).optional(),
  paymentMethodRequired: z.boolean().optional(),
  preauthorizationAmount: z.number().optional(),
  initialCharge: z.string().optional(),
  minimumAmount: z.string().optional(),
  maximumAmount: z.string().optional(),
  maximumAmountAutoPurchasePerPeriod: z.string().optional(),
  cost: z.string().optional(),
  details: z.array(PlanDetail).optional(),
  highlightedDetails: z.array(PlanDetail).optional(),
  quote: z.array(z.object({ line: z.string(), amount: z.string() })).optional(),
  effectiveDate: z.string().optional(),
  disabled: z.boolean().optional(),
  requiredPolicies: z
    .array(z.object({ id: z.string(), name: z.string(), url: z.string() }))
    .optional(),
  maxResources: z.number().optional(),
});
export type BillingPlan = z.infer<typeof BillingPlan>;

export const PlansResponse = z.strictObject({ plans: z.array(BillingPlan) });
export type PlansResponse = z.infer<typeof PlansResponse>;

const EnvironmentOverrides = z.object({
  development: z.string().optional(),
  preview: z.string().optional(),
  production: z.string().optional(),
});

/** Secret, spec §3.4; `prefix` is deprecated on provision but still honoured by Vercel. */
export const Secret = z.strictObject({
  name: z.string().min(1),
  value: z.string(),
  prefix: z.string().optional(),
  environmentOverrides: EnvironmentOverrides.optional(),
});
export type Secret = z.infer<typeof Secret>;

export const ProtocolSettings = z.object({
  experimentation: z
    .object({
      edgeConfigSyncingEnabled: z.boolean().optional(),
      edgeConfigId: z.string().optional(),
      edgeConfigTokenId: z.string().optional(),
    })
    .optional(),
});
export type ProtocolSettings = z.infer<typeof ProtocolSettings>;

/**
 * A time in epoch milliseconds as Vercel sends it (spec §4.16 `expiresAt`, §6.1 `createdAt`), kept
 * in a bigint column. A fraction of a millisecond means nothing for a date, so it is rounded off;
 * a value outside the range of a JavaScript date is no time at all, and a 400 naming the field
 * beats PostgreSQL refusing the insert with a 500.
 */
export const EpochMilliseconds = z
  .number()
  .min(-MAX_DATE_MS)
  .max(MAX_DATE_MS)
  .transform((value) => Math.round(value));

/** Free-form JSON object as metadata arrives before the product schema checks it. */
export const JsonObject = z.record(z.string(), z.unknown());
export type JsonObject = z.infer<typeof JsonObject>;
