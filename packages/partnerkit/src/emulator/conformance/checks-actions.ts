import type { Emulator } from "../emulator.ts";
import {
  type Check,
  type ConformanceState,
  type ConformanceTarget,
  fail,
  pass,
  skip,
} from "./check.ts";
import { conformanceProject } from "./conformance-project.ts";

const TERMINAL = new Set(["succeeded", "failed"]);

/** What the action checks need: the action to run and an emulator whose Vercel API the partner calls. */
function actionSetup(target: ConformanceTarget, state: ConformanceState) {
  if (!target.action) return "no --action given";
  if (!target.webhook) return "no --webhook-url given";
  if (!target.emulator)
    return target.emulatorMissing ?? "no emulator to receive the action's report";
  if (!state.resourceId) return "no resource was provisioned";
  return { action: target.action, emulator: target.emulator, resourceId: state.resourceId };
}

const finalReports = (
  emulator: Emulator,
  deploymentId: string,
  resourceId: string,
  action: string,
) =>
  (emulator.vercelApi.store.action(deploymentId, resourceId, action)?.reports ?? []).filter(
    (report) => report.status && TERMINAL.has(report.status),
  );

/**
 * Deployment integration actions (spec §7), end to end: the emulator deploys a project whose
 * connection runs the action, and the partner must answer the start webhook and report a final
 * status to the emulated Vercel API (its VERCEL_API_URL must point at the emulator).
 */
export const ACTION_CHECKS: Check[] = [
  {
    id: "action-round-trip",
    section: "§7",
    title:
      "An action start webhook is answered with exactly one final status PATCH (202), with its turnaround",
    async run(target, state) {
      const setup = actionSetup(target, state);
      if (typeof setup === "string") return skip(setup);
      const { emulator, action, resourceId } = setup;
      // Vercel knows the resource it provisioned; the fake's action route checks it.
      const project = await conformanceProject(emulator, state.installationId, resourceId, [
        action,
      ]);
      const started = performance.now();
      const deploying = await emulator.deployments.deploy(project.id, { ref: "conformance" });
      const timeoutMs = target.actionTimeoutMs ?? 30_000;
      const deployment = await emulator.deployments
        .waitUntilSettled(deploying.id, timeoutMs)
        .catch(() => deploying);
      const turnaroundMs = Math.round(performance.now() - started);
      state.deploymentId = deployment.id;
      const run = deployment.actions[0];
      if (!run || deployment.state === "provisioning")
        return fail(`no final status within ${timeoutMs} ms (last: ${run?.status ?? "none"})`);
      if (run.status === "failed" && run.statusText?.startsWith("The start webhook"))
        return fail(run.statusText);
      if (run.status === "failed" && !run.statusText)
        return fail("reported failed without a statusText");
      const finals = finalReports(emulator, deployment.id, resourceId, action);
      if (finals.length !== 1) return fail(`${finals.length} final reports, expected exactly 1`);
      return pass(`${run.status} in ${turnaroundMs} ms`);
    },
  },
  {
    id: "action-redelivery",
    section: "§7",
    title: "A redelivered start (new event id, same deployment) reports no second final status",
    async run(target, state) {
      const setup = actionSetup(target, state);
      if (typeof setup === "string") return skip(setup);
      if (!state.deploymentId) return skip("the round trip did not run");
      const { emulator, action, resourceId } = setup;
      const result = await emulator.deliver(
        "deployment.integration.action.start",
        {
          configuration: { id: state.installationId },
          installationId: state.installationId,
          resourceId,
          action,
          deployment: { id: state.deploymentId },
        },
        { retry: { attempts: 1 } },
      );
      if (!result.delivered)
        return fail(`the redelivery answered ${result.attempts[0]?.status ?? "nothing"}`);
      // Give a careless partner the time to report again.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const finals = finalReports(emulator, state.deploymentId, resourceId, action);
      return finals.length === 1
        ? pass()
        : fail(`${finals.length} final reports after a redelivery, expected 1`);
    },
  },
  {
    id: "action-cleanup",
    section: "§7",
    title: "Deleting the deployment sends a cleanup webhook that is acknowledged with 2xx",
    async run(target, state) {
      const setup = actionSetup(target, state);
      if (typeof setup === "string") return skip(setup);
      if (!state.deploymentId) return skip("the round trip did not run");
      const before = setup.emulator.calls({ direction: "webhook" }).length;
      await setup.emulator.deployments.remove(state.deploymentId);
      const cleanup = setup.emulator
        .calls({ direction: "webhook" })
        .slice(before)
        .filter(
          (call) =>
            (call.requestBody as { type?: string } | undefined)?.type ===
            "deployment.integration.action.cleanup",
        );
      if (cleanup.length === 0) return fail("no cleanup webhook was sent");
      return cleanup.some((call) => call.status >= 200 && call.status < 300)
        ? pass()
        : fail(`the cleanup webhook answered ${cleanup.map((call) => call.status).join(", ")}`);
    },
  },
];
