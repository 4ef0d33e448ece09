import { randomBytes } from "node:crypto";
import { z } from "zod";
import {
  CreateExperimentationItemsBody,
  FLAGS_CONFIG_PATHS,
  UpdateExperimentationItemBody,
} from "../../protocol/experimentation.ts";
import type { Emulator } from "../emulator.ts";
import { PartnerCallError } from "../partner-client.ts";
import type { RecordedCall } from "../recorder.ts";
import type { EmulatedResource } from "../state.ts";
import { provisioningNotFinished } from "../vercel-api/faults.ts";
import { secondsTimestamps } from "../vercel-api/routes/experimentation.ts";
import {
  type Check,
  type ConformanceState,
  type ConformanceTarget,
  fail,
  pass,
  skip,
  warn,
} from "./check.ts";
import type { CheckOutcome } from "./report.ts";
import { arrivedAt, sleep, until } from "./timing.ts";

/** How long Vercel's side stays unfinished after it set up a resource or an Edge Config. */
const PROVISIONING_WINDOW_MS = 1_500;

/** What Vercel answers while it is still finishing its side (spec §15, `provisioningNotFinished`). */
const NOT_READY = new Set([404, 409]);

const KNOWN_CONFIG_NAMES: readonly string[] = FLAGS_CONFIG_PATHS;

const ErrorAnswer = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** What the flags checks need: `--flags`, an experimentation product, an emulator to push to. */
function flagsSetup(target: ConformanceTarget, state: ConformanceState): Emulator | string {
  if (!target.flags) return "no --flags given";
  if (target.experimentation === false)
    return `${target.productId} does not declare the experimentation protocol`;
  if (!target.emulator)
    return target.emulatorMissing ?? "no emulator to receive the flags configuration";
  if (!target.emulator.state.installations.has(state.installationId))
    return "the installation failed";
  return target.emulator;
}

/** What follows `/experimentation/` in the call's path: `items`, `items/…`, `global-config`… */
const endpointOf = (call: RecordedCall) =>
  new URL(call.url).pathname.split("/experimentation/")[1] ?? "";

const isItemsCall = (call: RecordedCall) => /^items(\/|$)/.test(endpointOf(call));

function experimentationCalls(emulator: Emulator, resourceId: string): RecordedCall[] {
  const marker = `/resources/${resourceId}/experimentation/`;
  return emulator
    .calls({ direction: "partner→vercel" })
    .filter((call) => new URL(call.url).pathname.includes(marker));
}

/** The partner's configuration pushes for the resource since `since`: every PUT not about items. */
const pushesSince = (emulator: Emulator, resourceId: string, since: number) =>
  experimentationCalls(emulator, resourceId).filter(
    (call) => call.method === "PUT" && !isItemsCall(call) && arrivedAt(call) >= since,
  );

const shown = (call: RecordedCall) => `${call.method} …/experimentation/${endpointOf(call)}`;

const refusalOf = (call: RecordedCall) => {
  const answer = ErrorAnswer.safeParse(call.responseBody);
  return answer.success ? `${answer.data.error.code}: ${answer.data.error.message}` : undefined;
};

/** `2 pushes (PUT …/global-config answered 409, 409)`, and why the last was refused when not for the window. */
function attemptsText(attempts: RecordedCall[]): string {
  const last = attempts.at(-1);
  const reason =
    last && !NOT_READY.has(last.status) && refusalOf(last) ? `; the last: ${refusalOf(last)}` : "";
  const endpoints = [...new Set(attempts.map(shown))].join(", ");
  const count = attempts.length === 1 ? "1 push" : `${attempts.length} pushes`;
  return `${count} (${endpoints} answered ${attempts.map((call) => call.status).join(", ")})${reason}`;
}

/**
 * The verdict on the push that must follow `after` (sent at `since`): accepted by Vercel within
 * the target's time, through the refusals of the provisioning window if need be.
 */
async function pushFollows(
  emulator: Emulator,
  target: ConformanceTarget,
  resourceId: string,
  since: number,
  after: string,
): Promise<CheckOutcome> {
  const timeoutMs = target.flagsTimeoutMs ?? 15_000;
  const attempts = () => pushesSince(emulator, resourceId, since);
  const acceptedOf = () => attempts().find((call) => call.status === 200);
  await until(() => acceptedOf() !== undefined, timeoutMs);
  const accepted = acceptedOf();
  if (!accepted) {
    const made = attempts();
    if (made.length === 0)
      return fail(`no flags configuration push within ${timeoutMs} ms of ${after}`);
    const hint = made.every((call) => NOT_READY.has(call.status))
      ? `: Vercel answers 404 or 409 until it has finished its side (here for ${PROVISIONING_WINDOW_MS} ms), and such a refusal must be retried`
      : "";
    return fail(`${attemptsText(made)}, none accepted within ${timeoutMs} ms of ${after}${hint}`);
  }
  const refused = attempts().filter((call) => arrivedAt(call) < arrivedAt(accepted));
  const retried =
    refused.length > 0
      ? `, after ${refused.length} refused (${refused.map((call) => call.status).join(", ")})`
      : "";
  const data = (accepted.requestBody as { data?: object } | undefined)?.data ?? {};
  const keys = Object.keys(data).length;
  return pass(
    `accepted ${Math.max(0, Math.round(arrivedAt(accepted) - since))} ms after ${after}${retried}; ${endpointOf(accepted)}, { data } with ${keys} ${keys === 1 ? "key" : "keys"}`,
  );
}

/** Runs `work` while Vercel answers the experimentation calls of a new set-up with `status`. */
async function whileProvisioning<T>(
  emulator: Emulator,
  status: 404 | 409,
  work: () => Promise<T>,
): Promise<T> {
  const rule = provisioningNotFinished(PROVISIONING_WINDOW_MS, status);
  emulator.vercelApi.faults.add(rule);
  try {
    return await work();
  } finally {
    emulator.vercelApi.faults.remove((candidate) => candidate === rule);
  }
}

/** Provisions a resource of the product as a user would, with syncing ticked or not. */
async function provisionFlagsResource(
  emulator: Emulator,
  target: ConformanceTarget,
  state: ConformanceState,
  syncFlags: boolean,
): Promise<EmulatedResource | string> {
  try {
    return await emulator.partner.provision(state.installationId, {
      productId: target.productId,
      name: `conformance-flags-${randomBytes(3).toString("hex")}`,
      metadata: target.metadata,
      billingPlanId: state.planId ?? target.billingPlanId ?? "",
      syncFlags,
    });
  } catch (error) {
    if (!(error instanceof PartnerCallError)) throw error;
    return `Provision Resource${syncFlags ? " with an Edge Config" : ""}: ${error.message}`;
  }
}

/** Update Resource naming a new Edge Config, as when the user turns syncing on (again). */
async function syncToNewEdgeConfig(
  emulator: Emulator,
  state: ConformanceState,
  resourceId: string,
): Promise<EmulatedResource | string> {
  try {
    return await emulator.partner.updateResource(state.installationId, resourceId, {
      syncFlags: true,
    });
  } catch (error) {
    if (!(error instanceof PartnerCallError)) throw error;
    return `Update Resource naming a new Edge Config: ${error.message}`;
  }
}

/** Names a new Edge Config for `resourceId` and judges the push that must follow. */
async function updateBringsPush(
  target: ConformanceTarget,
  state: ConformanceState,
  resourceId: string | undefined,
  status: 404 | 409,
): Promise<CheckOutcome> {
  const emulator = flagsSetup(target, state);
  if (typeof emulator === "string") return skip(emulator);
  if (!resourceId) return skip("the resource to update was not provisioned");
  return whileProvisioning(emulator, status, async () => {
    const since = Date.now();
    const updated = await syncToNewEdgeConfig(emulator, state, resourceId);
    if (typeof updated === "string") return fail(updated);
    const edgeConfigId = updated.edgeConfig?.id ?? "unknown";
    return pushFollows(
      emulator,
      target,
      resourceId,
      since,
      `Update Resource naming Edge Config ${edgeConfigId}`,
    );
  });
}

/**
 * What is wrong with one experimentation call, and what Vercel tolerates in it. Times in seconds
 * fail although Vercel takes the call: its Flags UI would date the item in January 1970.
 */
function callProblems(call: RecordedCall): { failures: string[]; remarks: string[] } {
  const endpoint = endpointOf(call);
  const known = isItemsCall(call) || KNOWN_CONFIG_NAMES.includes(endpoint);
  if (!known)
    return {
      failures: [
        `${shown(call)} is not an endpoint of Vercel's (items, ${KNOWN_CONFIG_NAMES.join(", ")}); answered ${call.status}`,
      ],
      remarks: [],
    };
  if (call.status === 400)
    return { failures: [`${shown(call)} refused: ${refusalOf(call) ?? "400"}`], remarks: [] };
  const seconds = secondsOf(call);
  return {
    failures: seconds.map((message) => `${shown(call)}: ${message}`),
    remarks: (call.warnings ?? []).filter((remark) => !seconds.includes(remark)),
  };
}

/** Item times that read as epoch seconds, worded as the emulator's warnings on the call. */
function secondsOf(call: RecordedCall): string[] {
  if (call.method === "POST" && endpointOf(call) === "items") {
    const body = CreateExperimentationItemsBody.safeParse(call.requestBody);
    return body.success
      ? body.data.items.flatMap((item, index) => secondsTimestamps(item, `items[${index}].`))
      : [];
  }
  if (call.method === "PATCH" && isItemsCall(call)) {
    const body = UpdateExperimentationItemBody.safeParse(call.requestBody);
    return body.success ? secondsTimestamps(body.data, "") : [];
  }
  return [];
}

/** How many items the accepted item calls carried. */
function itemsSent(calls: RecordedCall[]): number {
  return calls
    .filter((call) => call.status === 204 && isItemsCall(call))
    .reduce((count, call) => {
      const created = CreateExperimentationItemsBody.safeParse(call.requestBody);
      if (created.success) return count + created.data.items.length;
      return count + (call.method === "PATCH" ? 1 : 0);
    }, 0);
}

/**
 * The experimentation round trip (spec §5.18, §11.3), with `--flags`: the emulator provisions and
 * updates resources as a user turning flags syncing on and off would, answers the first calls of a
 * new set-up with 409 or 404 for a while as Vercel does, and watches the partner's pushes (its
 * VERCEL_API_URL must point at the emulator).
 */
export const FLAGS_CHECKS: Check[] = [
  {
    id: "flags-first-push",
    section: "§11.3",
    title: `Provisioned with an Edge Config while Vercel is still finishing (409 for ${PROVISIONING_WINDOW_MS} ms), the partner retries until its flags configuration is accepted`,
    async run(target, state) {
      const emulator = flagsSetup(target, state);
      if (typeof emulator === "string") return skip(emulator);
      return whileProvisioning(emulator, 409, async () => {
        const since = Date.now();
        const resource = await provisionFlagsResource(emulator, target, state, true);
        if (typeof resource === "string") return fail(resource);
        state.flags = { ...state.flags, syncedResourceId: resource.id };
        const edgeConfigId = resource.edgeConfig?.id ?? "unknown";
        return pushFollows(
          emulator,
          target,
          resource.id,
          since,
          `Provision Resource with Edge Config ${edgeConfigId}`,
        );
      });
    },
  },
  {
    id: "flags-new-edge-config",
    section: "§11.3",
    title: "Update Resource naming a new Edge Config (404 for a while) brings a push to it",
    run: (target, state) => updateBringsPush(target, state, state.flags?.syncedResourceId, 404),
  },
  {
    id: "flags-no-sync",
    section: "§11.3",
    title: "A resource provisioned without an Edge Config gets no flags configuration push",
    async run(target, state) {
      const emulator = flagsSetup(target, state);
      if (typeof emulator === "string") return skip(emulator);
      const since = Date.now();
      const resource = await provisionFlagsResource(emulator, target, state, false);
      if (typeof resource === "string") return fail(resource);
      state.flags = { ...state.flags, unsyncedResourceId: resource.id };
      const quietMs = target.flagsQuietMs ?? 2_500;
      await sleep(quietMs);
      const pushed = pushesSince(emulator, resource.id, since);
      return pushed.length === 0
        ? pass(`none within ${quietMs} ms`)
        : fail(
            `${attemptsText(pushed)} for a resource provisioned without protocolSettings.experimentation.edgeConfigId: push only once the user turns syncing on`,
          );
    },
  },
  {
    id: "flags-sync-turned-on",
    section: "§11.3",
    title: "Update Resource turning syncing on (409 for a while) brings a push",
    run: (target, state) => updateBringsPush(target, state, state.flags?.unsyncedResourceId, 409),
  },
  {
    id: "flags-calls",
    section: "§5.18",
    title:
      "The flags calls use Vercel's endpoints, and every experimentation item sent validates (id, slug, origin, millisecond times)",
    async run(target, state) {
      const emulator = flagsSetup(target, state);
      if (typeof emulator === "string") return skip(emulator);
      const resourceIds = [state.flags?.syncedResourceId, state.flags?.unsyncedResourceId].filter(
        (id) => id !== undefined,
      );
      if (resourceIds.length === 0) return skip("no resource was provisioned");
      const calls = resourceIds.flatMap((id) => experimentationCalls(emulator, id));
      const problems = calls.map(callProblems);
      const failures = [...new Set(problems.flatMap((problem) => problem.failures))];
      if (failures.length > 0) return fail(failures.join("; "));
      const names = [
        ...new Set(
          calls
            .filter((call) => call.status === 200 && call.method === "PUT")
            .map(endpointOf)
            .filter((name) => KNOWN_CONFIG_NAMES.includes(name)),
        ),
      ];
      const summary = `configuration pushed to ${names.join(" and ") || "no endpoint"}; ${itemsSent(calls)} items sent`;
      const remarks = [...new Set(problems.flatMap((problem) => problem.remarks))];
      return remarks.length > 0 ? warn(`${summary}; ${remarks.join("; ")}`) : pass(summary);
    },
  },
];
