import { z } from "zod";

/** `GET /healthz`: the process answers. */
export const Liveness = z.strictObject({ status: z.literal("ok") });
export type Liveness = z.infer<typeof Liveness>;

/** `GET /readyz`: ready, or why not (a 503). */
export const ReadinessReport = z.discriminatedUnion("status", [
  z.strictObject({ status: z.literal("ready") }),
  z.strictObject({
    status: z.enum(["starting", "failed", "unavailable"]),
    reason: z.string(),
  }),
]);
export type ReadinessReport = z.infer<typeof ReadinessReport>;
