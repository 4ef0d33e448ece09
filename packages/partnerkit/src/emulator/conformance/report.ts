import { z } from "zod";

/**
 * The conformance report as `--json` writes it. Stable: fields are only ever added; a change of
 * meaning bumps `schemaVersion`.
 */
export const CheckStatus = z.enum(["pass", "warn", "fail", "skip"]);
export type CheckStatus = z.infer<typeof CheckStatus>;

export const CheckOutcome = z.object({
  status: CheckStatus,
  /** For a fail: what was sent and what came back; for a warn or skip: why. */
  detail: z.string().optional(),
});
export type CheckOutcome = z.infer<typeof CheckOutcome>;

export const CheckResult = CheckOutcome.extend({
  id: z.string(),
  /** The section of the Partner API specification the check is about, e.g. `§4.5`. */
  section: z.string(),
  title: z.string(),
  ms: z.number().int().nonnegative(),
});
export type CheckResult = z.infer<typeof CheckResult>;

export const ConformanceReport = z.object({
  schemaVersion: z.literal(1),
  passed: z.number().int().nonnegative(),
  /** Passed with a remark: tolerated by Vercel, or where the specification is unsure. */
  warned: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  results: z.array(CheckResult),
});
export type ConformanceReport = z.infer<typeof ConformanceReport>;
