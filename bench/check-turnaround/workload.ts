import type { Workload } from "../action-turnaround/measure.ts";

/** The check the bench's integration adds to Acme KV: it concludes `succeeded` at once. */
export const NOOP_CHECK = "noop";

/** The integration module the check turnaround serves: Acme KV with the no-op check. */
export const NOOP_CHECK_INTEGRATION = "bench/check-turnaround/noop-check-acme-kv.ts";

/**
 * A `deployment.checkrun.start` per deployment for a run of the no-op check, in the payload shape
 * the emulator sends (`checkRunWebhookPayload`); reported `running`, then `completed`.
 */
export const CHECK_WORKLOAD: Workload = {
  title: "check turnaround",
  webhook: ({ installationId, resourceId }, deploymentId) => ({
    type: "deployment.checkrun.start",
    payload: {
      installationId,
      configuration: { id: installationId },
      deployment: { id: deploymentId },
      checkRun: {
        id: `chkrun_${deploymentId}`,
        checkId: "check_bench_noop",
        name: NOOP_CHECK,
        deploymentId,
        source: {
          kind: "integration",
          integrationConfigurationId: installationId,
          externalResourceId: resourceId,
        },
        timeout: 300,
      },
    },
  }),
  reports: (vercel) => vercel.checkRuns,
};
