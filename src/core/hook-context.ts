import type { Logger } from "pino";
import type { InstallationRecord } from "../store/records.ts";
import type { VercelClient } from "../vercel/vercel-client.ts";
import type { Metering } from "./billing/metering.ts";
import type { HookContext } from "./define-integration.ts";
import type { RequestContext } from "./request-context.ts";

/** Where a hook call comes from: a Partner API request, a webhook delivery, an action run. */
export type HookOrigin = Pick<RequestContext, "requestId" | "log">;

export type VercelClientFor = (installationId: string, log: Logger) => VercelClient;

/** Builds the `ctx` provider hooks receive, with a Vercel client bound to the installation. */
export class HookContexts {
  constructor(
    private readonly vercelFor: VercelClientFor,
    private readonly metering: Metering,
  ) {}

  create(origin: HookOrigin, installation: InstallationRecord): HookContext {
    const log = origin.log.child({ installationId: installation.id });
    return {
      installation,
      requestId: origin.requestId,
      log,
      vercel: this.vercelFor(installation.id, log),
      meter: (resourceId, meter, value) =>
        this.metering.record(resourceId, meter, value, installation.id),
    };
  }
}
