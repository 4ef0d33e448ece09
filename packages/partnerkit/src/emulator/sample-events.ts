import { type DeploymentEvent, deploymentEventPayload } from "./deployment-events.ts";
import type { EmulatorState } from "./state.ts";

/** What a sample payload is about; the emulator's state fills in what is not given. */
export interface SampleEventRefs {
  installationId?: string;
  resourceId?: string;
  projectId?: string;
  deploymentId?: string;
  invoiceId?: string;
}

type Refs = Required<SampleEventRefs>;

const invoice = (refs: Refs) => ({
  configuration: { id: refs.installationId },
  installationId: refs.installationId,
  invoiceId: refs.invoiceId,
  externalInvoiceId: null,
  period: periodOfThisMonth(),
  invoiceDate: new Date().toISOString(),
  invoiceTotal: "0.00",
});

const deploymentAction = (refs: Refs) => ({
  configuration: { id: refs.installationId },
  installationId: refs.installationId,
  resourceId: refs.resourceId,
  action: "branch",
  deployment: { id: refs.deploymentId },
});

const projectConnection = (refs: Refs) => ({
  configuration: { id: refs.installationId },
  installationId: refs.installationId,
  resourceId: refs.resourceId,
  projectId: refs.projectId,
  project: { id: refs.projectId, name: "my-app" },
  targets: ["production", "preview", "development"],
});

const deploymentLifecycle = (event: DeploymentEvent) => (refs: Refs) =>
  deploymentEventPayload(event, {
    id: refs.deploymentId,
    url: "my-app-emulator.vercel.app",
    name: "my-app",
    target: null,
    projectId: refs.projectId,
    meta: { githubCommitRef: "main" },
    teamId: "team_emulator",
    userId: "user_emulator",
    installationIds: [refs.installationId],
  });

/** Payload builders for the events of spec §6.4 that `trigger` can send. */
const SAMPLES: Record<string, (refs: Refs) => Record<string, unknown>> = {
  "marketplace.invoice.created": invoice,
  "marketplace.invoice.paid": invoice,
  "marketplace.invoice.notpaid": invoice,
  "marketplace.invoice.overdue": invoice,
  "marketplace.invoice.refunded": (refs) => {
    const { invoiceDate: _date, invoiceTotal: _total, ...rest } = invoice(refs);
    return { ...rest, amount: "0.00", reason: "Requested by the emulator" };
  },
  "marketplace.member.changed": (refs) => ({
    configuration: { id: refs.installationId },
    installationId: refs.installationId,
    memberId: "user_emulator_member",
    role: "USER",
  }),
  "integration-configuration.removed": (refs) => ({
    team: { id: "team_emulator" },
    user: { id: "user_emulator" },
    configuration: { id: refs.installationId, projectSelection: "all", projects: [] },
  }),
  "integration-resource.project-connected": projectConnection,
  "integration-resource.project-disconnected": (refs) => {
    const { project, ...rest } = projectConnection(refs);
    return { ...rest, project: { id: project.id } };
  },
  "deployment.integration.action.start": deploymentAction,
  "deployment.integration.action.cancel": deploymentAction,
  "deployment.integration.action.cleanup": deploymentAction,
  "deployment.created": deploymentLifecycle("created"),
  "deployment.ready": deploymentLifecycle("ready"),
  "deployment.succeeded": deploymentLifecycle("succeeded"),
  "deployment.error": deploymentLifecycle("error"),
  "deployment.canceled": deploymentLifecycle("canceled"),
};

export const SAMPLE_EVENT_TYPES = Object.keys(SAMPLES);

/**
 * A plausible payload for `type`, about the given ids or else the newest installation and
 * resource the emulator knows; undefined for an event type it has no sample of.
 */
export function samplePayload(
  type: string,
  state: EmulatorState,
  refs: SampleEventRefs = {},
): Record<string, unknown> | undefined {
  const build = SAMPLES[type];
  if (!build) return undefined;
  const installationId =
    refs.installationId ?? lastOf(state.installations.keys()) ?? "icfg_emulator";
  const resourceId =
    refs.resourceId ??
    lastOf(state.resourcesOf(installationId).map((resource) => resource.id)) ??
    "res_emulator";
  return build({
    installationId,
    resourceId,
    projectId: refs.projectId ?? lastOf(state.projects.keys()) ?? "prj_emulator",
    deploymentId: refs.deploymentId ?? "dpl_emulator",
    invoiceId: refs.invoiceId ?? "inv_emulator",
  });
}

function lastOf(values: Iterable<string>): string | undefined {
  return [...values].at(-1);
}

function periodOfThisMonth(): { start: string; end: string } {
  const now = new Date();
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return { start: start.toISOString(), end: end.toISOString() };
}
