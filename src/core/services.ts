import type { Logger } from "pino";
import type { JobHandler } from "../jobs/job-runner.ts";
import type { Store } from "../store/store.ts";
import type { Integration } from "./define-integration.ts";
import { InstallationService } from "./installations.ts";
import { ResourceService } from "./resources.ts";
import { WEBHOOK_JOB, WebhookJobPayload, webhookProcessor } from "./webhook-processor.ts";

/** The lifecycle services of one integration over one store, shared by the routes and the jobs. */
export function createServices(integration: Integration, store: Store) {
  const installations = new InstallationService(integration, store);
  const resources = new ResourceService(integration, store, installations);
  return {
    installations,
    resources,
    processWebhook: webhookProcessor(integration, store, installations),
  };
}

export type Services = ReturnType<typeof createServices>;

/** The job kinds the framework itself runs, bound to the services. */
export function frameworkJobHandlers(services: Services, log: Logger): Record<string, JobHandler> {
  return {
    [WEBHOOK_JOB]: (job) =>
      services.processWebhook(WebhookJobPayload.parse(job.payload).eventId, log),
  };
}
