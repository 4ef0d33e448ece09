import type { CheckRunConclusion } from "../protocol/check-webhooks.ts";
import type { ActionContext, ActionDeployment, ProvisionedResource } from "./define-integration.ts";

/** What a check's `run` receives besides the context: the deployment, the resource, the run. */
export interface CheckInput<Metadata> {
  deployment: ActionDeployment;
  resource: ProvisionedResource<Metadata>;
  check: {
    /** The check's key in `checks`. */
    name: string;
    /** Vercel's check run id. */
    runId: string;
    /** 1 for the first run, then one more per rerequest. */
    attempt: number;
  };
}

/**
 * A check's verdict. `timeout` and `canceled` are the framework's to give (the run timed out or
 * was canceled), so `run` concludes with one of the others.
 */
export interface CheckRunResult {
  conclusion: Exclude<CheckRunConclusion, "timeout" | "canceled">;
  /** A short line Vercel shows beside the conclusion. */
  conclusionText?: string;
  /** Details kept with the run (Vercel's `output` object). */
  output?: Record<string, unknown>;
  /** Where the user sees the run's details: `https://…` or an `sso:` link. */
  externalUrl?: string;
}

/** A deployment check (spec §8), declared under the name of the project check it runs. */
export interface CheckDefinition<Metadata> {
  /** What the check verifies, as shown to users. */
  name?: string;
  /** Whether a failed conclusion should keep the deployment from being promoted (Vercel's `blocks`). */
  blocking?: boolean;
  /** How long `run` may take before it is aborted and concluded `timeout` (5 minutes by default). */
  timeoutMs?: number;
  /** `ctx.signal` aborts when the run is canceled or times out. */
  run(ctx: ActionContext, input: CheckInput<Metadata>): Promise<CheckRunResult>;
}
