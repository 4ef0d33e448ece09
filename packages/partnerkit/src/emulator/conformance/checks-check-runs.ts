import type { Emulator } from "../emulator.ts";
import type { RecordedCall } from "../recorder.ts";
import { checkRunsOf, checkRunWebhookPayload } from "../vercel-api/routes/checks.ts";
import {
  type Check,
  type ConformanceState,
  type ConformanceTarget,
  fail,
  pass,
  skip,
} from "./check.ts";
import { conformanceProject } from "./conformance-project.ts";
import { arrivedAt, sleep, until } from "./timing.ts";

/** Time for a careless partner to send a second conclusion before they are counted. */
const GRACE_MS = 500;

/** What the check run checks need: the check to run and an emulator the partner reports to. */
function checkSetup(target: ConformanceTarget, state: ConformanceState) {
  if (!target.check) return "no --check given";
  if (!target.webhook) return "no --webhook-url given";
  if (!target.emulator)
    return target.emulatorMissing ?? "no emulator to receive the check's conclusion";
  if (!state.resourceId) return "no resource was provisioned";
  return { check: target.check, emulator: target.emulator, resourceId: state.resourceId };
}

/** The round trip's run, once it concluded: what the redelivery and rerequest work on. */
function concludedRun(target: ConformanceTarget, state: ConformanceState) {
  const setup = checkSetup(target, state);
  if (typeof setup === "string") return setup;
  const run =
    state.checkRunId && checkRunsOf(setup.emulator.vercelApi.store).runs.get(state.checkRunId);
  if (!run) return "the round trip did not conclude";
  return { ...setup, run };
}

/**
 * The partner's `PATCH …/check-runs/:runId` calls with `status: completed`: each is a conclusion,
 * whether Vercel took it, took it again, or refused it as contradicting the first (409).
 */
function conclusions(emulator: Emulator, deploymentId: string, runId: string): RecordedCall[] {
  const path = new RegExp(`/v2/deployments/${deploymentId}/check-?runs/${runId}$`);
  return emulator
    .calls({ direction: "partner→vercel" })
    .filter(
      (call) =>
        call.method === "PATCH" &&
        path.test(new URL(call.url).pathname) &&
        (call.requestBody as { status?: unknown } | undefined)?.status === "completed" &&
        call.status < 500,
    );
}

const counted = (calls: RecordedCall[]) =>
  `${calls.length} conclusions (answered ${calls.map((call) => call.status).join(", ")})`;

/**
 * Deployment checks (spec §8), end to end: the emulator deploys a project with the check declared
 * as blocking, sends `deployment.checkrun.start`, and the partner must conclude the run exactly
 * once through the emulated Vercel API (its VERCEL_API_URL must point at the emulator), also when
 * the start is redelivered; a rerequest must bring exactly one more conclusion.
 */
export const CHECK_RUN_CHECKS: Check[] = [
  {
    id: "check-round-trip",
    section: "§8",
    title:
      "A check run start webhook is answered with exactly one conclusion PATCH, with its turnaround",
    async run(target, state) {
      const setup = checkSetup(target, state);
      if (typeof setup === "string") return skip(setup);
      const { emulator, check, resourceId } = setup;
      const project = await conformanceProject(emulator, state.installationId, resourceId);
      const deploying = await emulator.deployments.deploy(project.id, {
        ref: "conformance",
        checks: [{ name: check, blocking: true }],
      });
      const timeoutMs = target.checkTimeoutMs ?? 30_000;
      const deployment = await emulator.deployments
        .waitUntilSettled(deploying.id, timeoutMs)
        .catch(() => deploying);
      const run = deployment.checkRuns?.[0];
      if (!run) return fail("the deployment started no check run");
      if (run.status !== "completed")
        return fail(`no conclusion within ${timeoutMs} ms (last: ${run.status})`);
      if (run.conclusionText === "The start webhook was not accepted")
        return fail(run.conclusionText);
      // Concluded, if more than once: the redelivery and the rerequest still have a run to work on.
      state.checkRunId = run.id;
      await sleep(GRACE_MS);
      const concluded = conclusions(emulator, deployment.id, run.id);
      const [first] = concluded;
      if (!first || concluded.length !== 1)
        return fail(`${counted(concluded)}, expected exactly 1`);
      return pass(
        `${run.conclusion} in ${Math.max(0, Math.round(arrivedAt(first) - run.createdAt))} ms`,
      );
    },
  },
  {
    id: "check-redelivery",
    section: "§8",
    title: "A redelivered check run start (new event id, same run) brings no further conclusion",
    async run(target, state) {
      const setup = concludedRun(target, state);
      if (typeof setup === "string") return skip(setup);
      const { emulator, run } = setup;
      const before = conclusions(emulator, run.deploymentId, run.id).length;
      const result = await emulator.deliver(
        "deployment.checkrun.start",
        checkRunWebhookPayload(run),
        { retry: { attempts: 1 } },
      );
      if (!result.delivered)
        return fail(`the redelivery answered ${result.attempts[0]?.status ?? "nothing"}`);
      await sleep(GRACE_MS);
      const extra = conclusions(emulator, run.deploymentId, run.id).slice(before);
      return extra.length === 0
        ? pass()
        : fail(`${counted(extra)} after a redelivery, expected none`);
    },
  },
  {
    id: "check-rerequest",
    section: "§8",
    title: "A rerequested check is run again and concluded exactly once more",
    async run(target, state) {
      const setup = concludedRun(target, state);
      if (typeof setup === "string") return skip(setup);
      const { emulator, run } = setup;
      const before = conclusions(emulator, run.deploymentId, run.id).length;
      const sent = Date.now();
      // `check.id` names the v2 check (spec §6.4 documents the event for v1 checks).
      const result = await emulator.deliver(
        "deployment.check-rerequested",
        {
          configuration: { id: run.installationId },
          installationId: run.installationId,
          deployment: { id: run.deploymentId },
          check: { id: run.checkId },
        },
        { retry: { attempts: 1 } },
      );
      if (!result.delivered)
        return fail(`the rerequest answered ${result.attempts[0]?.status ?? "nothing"}`);
      const timeoutMs = target.checkTimeoutMs ?? 30_000;
      const again = () => conclusions(emulator, run.deploymentId, run.id).slice(before);
      if (!(await until(() => again().length > 0, timeoutMs)))
        return fail(`no new conclusion within ${timeoutMs} ms of the rerequest`);
      await sleep(GRACE_MS);
      const concluded = again();
      const [first] = concluded;
      if (!first || concluded.length !== 1)
        return fail(`${counted(concluded)} after the rerequest, expected exactly 1`);
      const conclusion = (first.requestBody as { conclusion?: string }).conclusion ?? "concluded";
      return pass(`${conclusion} in ${Math.max(0, Math.round(arrivedAt(first) - sent))} ms`);
    },
  },
];
