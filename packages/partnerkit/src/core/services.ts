import type { Logger } from "pino";
import type { JobConcurrency, JobHandler } from "../jobs/job-runner.ts";
import type { Store } from "../store/store.ts";
import { VercelClient, type VercelClientOptions } from "../vercel/vercel-client.ts";
import { type ActionOptions, ActionService } from "./actions.ts";
import { BILLING_JOBS, BillingService } from "./billing/billing-service.ts";
import type { BillingOptions } from "./billing/deps.ts";
import { Metering } from "./billing/metering.ts";
import { CHECK_WEBHOOK_JOB, type CheckOptions, CheckService } from "./checks.ts";
import type { Integration } from "./define-integration.ts";
import { FLAGS_SYNC_JOB } from "./flags/flag-sync-job.ts";
import { type FlagSyncOptions, FlagSyncService } from "./flags/flag-sync-service.ts";
import { HeldDeliveries } from "./held-deliveries.ts";
import { HookContexts, type VercelClientFor, type Work } from "./hook-context.ts";
import type { IntegrationClient } from "./installation-credentials.ts";
import { rotateInstallationCredential } from "./installation-credentials.ts";
import { InstallationService, type LifecycleLockOptions } from "./installations.ts";
import { type MemberDirectory, Members } from "./members.ts";
import { PartnerError } from "./partner-error.ts";
import { ReplService } from "./repl.ts";
import { ResourceService } from "./resources.ts";
import {
  REVOKE_SECRETS_JOB,
  ROTATE_SECRETS_JOB,
  RotationJobPayload,
  SecretsRotationService,
} from "./secrets-rotation.ts";
import { TRANSFER_HOOK_JOB, TransferHookJobPayload, TransferService } from "./transfers.ts";
import { InstallationSync } from "./vercel-sync.ts";
import {
  ACTION_WEBHOOK_JOB,
  WEBHOOK_JOB,
  WebhookJobPayload,
  webhookProcessor,
} from "./webhook-processor.ts";

export interface ServiceOptions {
  /** How to reach Vercel's API (`VERCEL_API_URL`); `fetch` replaces the network, e.g. an emulator. */
  vercel?: Pick<VercelClientOptions, "fetch" | "retry" | "timeoutMs"> & { baseUrl?: string };
  actions?: ActionOptions;
  checks?: CheckOptions;
  /** Experimentation sync: how long a first push waits for Vercel's side of provisioning. */
  flags?: FlagSyncOptions;
  billing?: BillingOptions;
  /** The integration's client credentials, for installation credential rotation (spec §5.4). */
  client?: IntegrationClient;
  lifecycleLock?: LifecycleLockOptions;
}

/** Vercel clients per installation, holding its token as the store has it when a call is made. */
export function vercelClientsFor(store: Store, vercel: ServiceOptions["vercel"]): VercelClientFor {
  // The token is decrypted when a call is first made, not for every hook or delivery.
  return (installationId, log, scope) => {
    let token: Promise<string> | undefined;
    const accessToken = () => {
      token ??= store.installationCredentials(installationId).then((credentials) => {
        if (!credentials) throw new Error(`No credentials for installation ${installationId}`);
        return credentials.accessToken;
      });
      return token;
    };
    return new VercelClient({
      ...vercel,
      baseUrl: vercel?.baseUrl ?? "https://api.vercel.com",
      accessToken,
      installationId,
      log,
      scope,
    });
  };
}

/** The lifecycle services of one integration over one store, shared by the routes and the jobs. */
export function createServices(
  integration: Integration,
  store: Store,
  options: ServiceOptions = {},
) {
  const vercelFor = vercelClientsFor(store, options.vercel);
  const now = options.billing?.now ?? (() => new Date());
  const metering = new Metering(integration, store, now);
  const contexts = new HookContexts(
    vercelFor,
    metering,
    (installation, vercel) => new InstallationSync(integration, store, installation, vercel),
  );
  // Uninstalling settles billing, and billing looks installations up: the first call comes later.
  const installations: InstallationService = new InstallationService(
    integration,
    store,
    contexts,
    (installation): Promise<boolean> => billing.settleUninstall(installation),
    options.lifecycleLock,
  );
  const billing = new BillingService(
    {
      integration,
      store,
      contexts,
      vercelFor,
      installations,
      now,
      invoiceTest: options.billing?.invoiceTest,
    },
    metering,
  );
  const flags = new FlagSyncService(integration, store, contexts, options.flags);
  const resources = new ResourceService(integration, store, installations, contexts, flags);
  const actions = new ActionService(integration, store, contexts, vercelFor, options.actions);
  const checks = new CheckService(integration, store, contexts, vercelFor, options.checks);
  const heldDeliveries = new HeldDeliveries();
  return {
    installations,
    resources,
    actions,
    checks,
    billing,
    flags,
    rotations: new SecretsRotationService(integration, store, resources, contexts),
    repl: new ReplService(resources, contexts),
    transfers: new TransferService(store, installations, integration, contexts),
    /** Installation members kept from `marketplace.member.changed`, by Vercel user id. */
    members: new Members(store) as MemberDirectory,
    vercelFor,
    /** A hook context outside any request (a dashboard, a script): `ctx.sync`, `ctx.vercel`. */
    async contextFor(installationId: string, log: Logger) {
      const installation = await store.getInstallation(installationId);
      if (!installation || installation.deletedAt)
        throw PartnerError.notFound(`Installation ${installationId} not found`);
      return contexts.create({ requestId: `sync_${installationId}`, log }, installation);
    },
    rotateInstallationCredential(installationId: string, log: Logger) {
      if (!options.client) throw new Error("Rotating a credential needs the client secret");
      return rotateInstallationCredential(
        { store, vercelFor, client: options.client },
        installationId,
        log,
      );
    },
    /** Deliveries whose jobs the webhook intake handed to this process's runner, for those jobs. */
    heldDeliveries,
    processWebhook: webhookProcessor(
      integration,
      store,
      installations,
      actions,
      billing,
      vercelFor,
      checks,
      heldDeliveries,
    ),
  };
}

export type Services = ReturnType<typeof createServices>;

/**
 * Pools of the framework's job kinds: Vercel's deliveries never wait behind the usage reports the
 * billing schedule enqueues in bursts, nor behind rotations, transfers and invoices, which share
 * the rest; and deployment actions, which can work for minutes, have a pool of their own so that
 * other deliveries never wait behind them. Deliveries get 32 slots: on PostgreSQL each of their
 * jobs mostly waits on round trips, and 8 slots processed 370 deliveries a second on one instance
 * where 32 processed 800, with less CPU per delivery on both engines.
 */
export const FRAMEWORK_JOB_CONCURRENCY: JobConcurrency = {
  default: 4,
  perKind: {
    [WEBHOOK_JOB]: 32,
    [ACTION_WEBHOOK_JOB]: 8,
    [CHECK_WEBHOOK_JOB]: 4,
    [BILLING_JOBS.report]: 4,
  },
};

/**
 * The job kinds the framework itself runs, bound to the services. A job stopped at shutdown also
 * stops the calls to Vercel it is waiting on: its signal bounds them.
 */
export function frameworkJobHandlers(services: Services, log: Logger): Record<string, JobHandler> {
  const work = (signal: AbortSignal): Work => ({ log, calls: { signal } });
  const processWebhook: JobHandler = (job, signal) =>
    services.processWebhook(WebhookJobPayload.parse(job.payload).eventId, work(signal));
  return {
    [WEBHOOK_JOB]: processWebhook,
    [ACTION_WEBHOOK_JOB]: processWebhook,
    [CHECK_WEBHOOK_JOB]: processWebhook,
    ...services.billing.jobHandlers(log),
    [ROTATE_SECRETS_JOB]: (job, signal) =>
      services.rotations.runRotation(
        RotationJobPayload.parse(job.payload).rotationId,
        work(signal),
      ),
    [REVOKE_SECRETS_JOB]: (job, signal) =>
      services.rotations.runRevocation(
        RotationJobPayload.parse(job.payload).rotationId,
        work(signal),
      ),
    [TRANSFER_HOOK_JOB]: (job, signal) => {
      const { transferId, resourceId } = TransferHookJobPayload.parse(job.payload);
      return services.transfers.runTransferHook(transferId, resourceId, work(signal));
    },
    [FLAGS_SYNC_JOB]: (job, signal) => services.flags.run(job, work(signal)),
  };
}
