import { GetDeploymentResponseBody$inboundSchema } from "@vercel/sdk/models/getdeploymentresponsebody.js";
import { BenchError } from "../lib/errors.ts";
import { GIT_SOURCE, previewDeployment } from "./vercel-api.ts";

/**
 * Our server reads deployments through `@vercel/sdk`, which validates the answer and, when that
 * fails, leaves the action without its git context (and spends milliseconds building the error).
 * The emulated answer must take the production path: parse it as the SDK does, before the run.
 */
export function assertSdkAcceptsDeployment(): void {
  const parsed = GetDeploymentResponseBody$inboundSchema.safeParse(previewDeployment("dpl_check"));
  const kept = parsed.success
    ? (parsed.data as { url?: string; gitSource?: { ref?: string; sha?: string } })
    : undefined;
  if (!kept || kept.url === undefined || kept.gitSource?.ref !== GIT_SOURCE.ref) {
    throw new BenchError(
      "The emulated GET /v13/deployments/:id answer does not survive @vercel/sdk's response " +
        `validation with its url and git source: ${parsed.success ? JSON.stringify(kept) : parsed.error.message.slice(0, 500)}`,
    );
  }
}
