import { z } from "zod";

const Configuration = z.object({ id: z.string() });

/**
 * `source` of a v2 check run. `@vercel/sdk` (get/list check runs) models the integration variant as
 * `{ kind: "integration", integrationId, integrationConfigurationId, resourceId?, externalResourceId? }`;
 * the webhook's copy is documented only in Vercel's reference example (spec §6.4, §14: UNCONFIRMED),
 * so every field but `kind` is optional here.
 */
const CheckRunSource = z.object({
  kind: z.string(),
  integrationConfigurationId: z.string().optional(),
  externalResourceId: z.string().optional(),
  resourceId: z.string().optional(),
});

/**
 * `deployment.checkrun.start` / `deployment.checkrun.cancel` (spec §6.4, §8, §15). The payload
 * shape is UNCONFIRMED (§14): the reference example sends `checkRun { id, checkId, source,
 * deploymentId, timeout? }` and `deployment.id`; the run's `name` is read when present. Tolerant
 * reading: the installation comes from `source.integrationConfigurationId`, `installationId` or
 * `configuration.id`, and the deployment from `deployment.id` or `checkRun.deploymentId`.
 */
export const CheckRunPayload = z
  .object({
    configuration: Configuration.optional(),
    installationId: z.string().optional(),
    deployment: z.object({ id: z.string() }).optional(),
    checkRun: z.object({
      id: z.string().min(1),
      checkId: z.string().optional(),
      name: z.string().optional(),
      deploymentId: z.string().optional(),
      source: CheckRunSource.optional(),
      timeout: z.number().optional(),
    }),
  })
  .refine((payload) => payload.deployment?.id ?? payload.checkRun.deploymentId, {
    message: "The payload names no deployment",
  })
  .refine(
    (payload) =>
      payload.checkRun.source?.integrationConfigurationId ??
      payload.installationId ??
      payload.configuration?.id,
    { message: "The payload names no installation" },
  );
export type CheckRunPayload = z.infer<typeof CheckRunPayload>;

/**
 * `deployment.check-rerequested` (spec §6.4): `deployment.id` and `check.id`, the check the user
 * ran again. Documented for v1 checks; here `check.id` may name a v2 check or check run too.
 */
export const CheckRerequestedPayload = z.object({
  configuration: Configuration.optional(),
  installationId: z.string().optional(),
  deployment: z.object({ id: z.string() }),
  check: z.object({ id: z.string().min(1) }),
});
export type CheckRerequestedPayload = z.infer<typeof CheckRerequestedPayload>;

/** `deployment.canceled` (spec §6.4), as far as checks need it: which deployment. */
export const DeploymentCanceledPayload = z.object({ deployment: z.object({ id: z.string() }) });
export type DeploymentCanceledPayload = z.infer<typeof DeploymentCanceledPayload>;

/** Check run conclusions, `@vercel/sdk` `UpdateDeploymentCheckRunRequestBody.conclusion`. */
export const CheckRunConclusion = z.enum([
  "canceled",
  "skipped",
  "timeout",
  "failed",
  "neutral",
  "succeeded",
]);
export type CheckRunConclusion = z.infer<typeof CheckRunConclusion>;

/**
 * `PATCH /v2/deployments/{deploymentId}/check-runs/{checkRunId}` (spec §5.17; `@vercel/sdk`
 * `checksV2UpdateDeploymentCheckRun`, 200). `externalUrl` may be an `sso:` link (spec §8, [EX]).
 */
export const VercelCheckRunUpdate = z.strictObject({
  status: z.enum(["queued", "running", "completed"]).optional(),
  conclusion: CheckRunConclusion.optional(),
  conclusionText: z.string().optional(),
  externalId: z.string().optional(),
  externalUrl: z
    .string()
    .regex(/^(https:\/\/|sso:)/, "must start with https:// or sso:")
    .optional(),
  output: z.record(z.string(), z.unknown()).optional(),
  completedAt: z.number().int().nonnegative().optional(),
});
export type VercelCheckRunUpdate = z.infer<typeof VercelCheckRunUpdate>;

/** What the framework reads of a v2 check run (`@vercel/sdk` `GetDeploymentCheckRunResponseBody`). */
export const VercelCheckRunSummary = z.object({
  id: z.string(),
  name: z.string(),
  checkId: z.string().optional(),
});
export type VercelCheckRunSummary = z.infer<typeof VercelCheckRunSummary>;
