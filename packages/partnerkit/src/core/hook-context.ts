import type { Logger } from "pino";
import { lazyChild } from "../lazy-child.ts";
import type { InstallationRecord } from "../store/records.ts";
import type { CallScope } from "../vercel/call-scope.ts";
import type { VercelClient } from "../vercel/vercel-client.ts";
import type { Metering } from "./billing/metering.ts";
import type { HookContext } from "./define-integration.ts";
import type { RequestContext } from "./request-context.ts";
import type { InstallationSync } from "./vercel-sync.ts";

/** Where a hook call comes from: a Partner API request, a webhook delivery, an action run. */
export type HookOrigin = Pick<RequestContext, "requestId" | "log" | "calls">;

/** Work that may call Vercel: its logger, and what bounds its calls (a job's signal). */
export type Work = Pick<RequestContext, "log" | "calls">;

export type VercelClientFor = (
  installationId: string,
  log: Logger,
  scope?: CallScope,
) => VercelClient;

export type SyncFor = (installation: InstallationRecord, vercel: VercelClient) => InstallationSync;

/** Builds the `ctx` provider hooks receive, with a Vercel client bound to the installation. */
export class HookContexts {
  constructor(
    private readonly vercelFor: VercelClientFor,
    private readonly metering: Metering,
    private readonly syncFor: SyncFor,
  ) {}

  create(origin: HookOrigin, installation: InstallationRecord): HookContext {
    const log = lazyChild(origin.log, { installationId: installation.id });
    const vercel = this.vercelFor(installation.id, log, origin.calls);
    return {
      installation,
      requestId: origin.requestId,
      log,
      vercel,
      sync: this.syncFor(installation, vercel),
      meter: (resourceId, meter, value) =>
        this.metering.record(resourceId, meter, value, installation.id),
      meterInstallation: (meter, value) =>
        this.metering.recordInstallation(installation.id, meter, value),
    };
  }
}
