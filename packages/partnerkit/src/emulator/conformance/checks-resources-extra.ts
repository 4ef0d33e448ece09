import { randomBytes } from "node:crypto";
import { ReplResponse } from "../../protocol/repl.ts";
import { RotateSecretsResponse } from "../../protocol/secrets-rotation.ts";
import { CreateTransferResponse } from "../../protocol/transfers.ts";
import {
  type Check,
  type ConformanceState,
  type ConformanceTarget,
  described,
  type Exchange,
  expectAnswer,
  expectRefusal,
  fail,
  installOn,
  pass,
  skip,
  warn,
} from "./check.ts";
import {
  type ExtraState,
  extraCall,
  notOffered,
  rotationNotOffered,
  transfersPath,
} from "./extra-calls.ts";
import { olderTransferShape } from "./older-transfer-shape.ts";
import type { CheckOutcome } from "./report.ts";

/**
 * Checks of the optional resource operations: secrets rotation (§4.10), the REPL (§4.11) and
 * resource transfers (§4.16). They run on installations of their own, since the core checks end
 * by uninstalling theirs. A partner that does not offer an endpoint (a plain 404/405/501 without
 * the error body) gets a skip, not a failure: these endpoints are optional.
 */

const extras = new WeakMap<ConformanceState, ExtraState>();

const idempotencyKey = () => `conf_${randomBytes(6).toString("hex")}`;

/** A check that needs the extra installations and resource; skipped when they could not be made. */
function extraCheck(
  id: string,
  section: string,
  title: string,
  run: (target: ConformanceTarget, extra: ExtraState) => Promise<CheckOutcome>,
): Check {
  return {
    id,
    section,
    title,
    async run(target, state) {
      const extra = extras.get(state);
      return extra ? run(target, extra) : skip("the extra installations could not be set up");
    },
  };
}

const resourcePath = (installationId: string, resourceId: string) =>
  `/v1/installations/${installationId}/resources/${resourceId}`;

const rotate = (target: ConformanceTarget, extra: ExtraState, body: unknown, role?: "USER") =>
  extraCall(target, extra, extra.source, {
    method: "POST",
    path: `${resourcePath(extra.source, extra.resourceId)}/secrets/rotate`,
    auth: "user",
    role,
    idempotencyKey: idempotencyKey(),
    body,
  });

const repl = (
  target: ConformanceTarget,
  extra: ExtraState,
  body: unknown,
  auth: "user" | "system" = "user",
) =>
  extraCall(target, extra, extra.source, {
    method: "POST",
    path: `${resourcePath(extra.source, extra.resourceId)}/repl`,
    auth,
    idempotencyKey: idempotencyKey(),
    body,
  });

const createTransfer = (
  target: ConformanceTarget,
  extra: ExtraState,
  body: unknown,
  auth: "user" | "system" = "system",
) =>
  extraCall(target, extra, extra.source, {
    method: "POST",
    path: transfersPath(extra.source),
    auth,
    idempotencyKey: idempotencyKey(),
    body,
  });

const acceptTransfer = (target: ConformanceTarget, extra: ExtraState, claimId: string) =>
  extraCall(target, extra, extra.target, {
    method: "POST",
    path: `${transfersPath(extra.target)}/${claimId}/accept`,
    auth: "system",
    idempotencyKey: idempotencyKey(),
  });

const getResource = (target: ConformanceTarget, extra: ExtraState, installationId: string) =>
  extraCall(target, extra, installationId, {
    method: "GET",
    path: resourcePath(installationId, extra.resourceId),
    auth: "system",
  });

/** Skips an endpoint the partner does not offer, naming the older transfer shape when it has that. */
async function notOfferedTransfer(
  target: ConformanceTarget,
  extra: ExtraState,
  done: Exchange,
): Promise<CheckOutcome | undefined> {
  if (!notOffered(done.answer)) return undefined;
  const older = await olderTransferShape(target, extra);
  return older ? warn(older) : skip(`not offered (${done.answer.status})`);
}

/** A REPL answer of 200 whose text says the command was refused: a legitimate in-band reading. */
const IN_BAND_REFUSAL = /permission|read[- ]?only|not allowed|forbidden|denied|refus/i;

const NO_REPL =
  "no REPL commands: the product definition has none and no --repl-read/--repl-write was given";

export const RESOURCE_EXTRA_CHECKS: Check[] = [
  {
    id: "extra-setup",
    section: "§4.5",
    title: "Two more installations and a resource for the optional operations",
    async run(target, state) {
      const source = `${state.installationId}_src`;
      const targetInstallation = `${state.installationId}_dst`;
      for (const installationId of [source, targetInstallation]) {
        await installOn(target, installationId, state.accountId);
      }
      const resource = await target.partner.provision(source, {
        productId: target.productId,
        name: "conformance extra",
        metadata: target.metadata,
        billingPlanId: state.planId ?? target.billingPlanId ?? "",
      });
      extras.set(state, {
        source,
        target: targetInstallation,
        accountId: state.accountId,
        resourceId: resource.id,
      });
      return pass();
    },
  },
  extraCheck(
    "rotate-secrets",
    "§4.10",
    "Secrets rotation answers 200 { sync: true, secrets } or 202 { sync: false }",
    async (target, extra) => {
      const done = await rotate(target, extra, {
        reason: "conformance",
        delayOldSecretsExpirationHours: 1,
      });
      if (rotationNotOffered(done.answer)) return skip(`not offered (${done.answer.status})`);
      if (done.answer.status !== 200 && done.answer.status !== 202)
        return fail(`${described(done)}; expected 200 or 202`);
      const body = RotateSecretsResponse.safeParse(done.answer.body);
      if (!body.success)
        return fail(
          `${described(done)}; body does not match the spec: ${body.error.issues[0]?.message}`,
        );
      if (body.data.sync !== (done.answer.status === 200))
        return fail(
          `${described(done)}; sync: ${body.data.sync} with status ${done.answer.status}`,
        );
      if (body.data.sync && body.data.secrets.length === 0)
        return fail(`${described(done)}; no secrets in a sync answer`);
      return pass(body.data.sync ? `sync, ${body.data.secrets.length} secrets` : "async");
    },
  ),
  extraCheck(
    "rotate-viewer",
    "§2.4",
    "A USER-role member cannot rotate secrets",
    async (target, extra) => {
      const done = await rotate(target, extra, {}, "USER");
      if (rotationNotOffered(done.answer)) return skip(`not offered (${done.answer.status})`);
      return expectRefusal(done, [403]);
    },
  ),
  extraCheck(
    "rotate-bad-delay",
    "§4.10",
    "A grace period beyond 720 hours is a 400 with the error body",
    async (target, extra) => {
      const done = await rotate(target, extra, { delayOldSecretsExpirationHours: 721 });
      if (rotationNotOffered(done.answer)) return skip(`not offered (${done.answer.status})`);
      return expectRefusal(done, [400]);
    },
  ),
  extraCheck(
    "repl-read",
    "§4.11",
    "A read-only REPL command answers 200 with blocks",
    async (target, extra) => {
      if (!target.repl) return skip(NO_REPL);
      const done = await repl(target, extra, { input: target.repl.read, readOnly: true });
      if (notOffered(done.answer)) return skip(`not offered (${done.answer.status})`);
      if (done.answer.status !== 200) return fail(`${described(done)}; expected 200`);
      const blocks = ReplResponse.safeParse(done.answer.body);
      // The answer's format is not published (§4.11): blocks are the example's.
      return blocks.success
        ? pass(`${blocks.data.length} blocks`)
        : warn(`200, but not a block array: ${blocks.error.issues[0]?.message}`);
    },
  ),
  extraCheck(
    "repl-readonly-write",
    "§4.11",
    "A writing REPL command in a readOnly session is refused",
    async (target, extra) => {
      if (!target.repl) return skip(NO_REPL);
      const done = await repl(target, extra, { input: target.repl.write, readOnly: true });
      if (notOffered(done.answer)) return skip(`not offered (${done.answer.status})`);
      if (done.answer.status === 200 && IN_BAND_REFUSAL.test(JSON.stringify(done.answer.body)))
        return warn("refused in-band: 200 whose blocks say so (the spec lists 403)");
      if (done.answer.status < 300)
        return fail(`the write ran in a readOnly session: ${described(done)}; expected a refusal`);
      return expectRefusal(done, [400, 403, 409, 422]);
    },
  ),
  extraCheck(
    "repl-system",
    "§2.5",
    "The REPL refuses a system token (user auth only)",
    async (target, extra) => {
      const done = await repl(target, extra, { input: target.repl?.read ?? "help" }, "system");
      if (notOffered(done.answer)) return skip(`not offered (${done.answer.status})`);
      return expectRefusal(done, [401, 403]);
    },
  ),
  extraCheck(
    "transfer-foreign",
    "§4.16",
    "A transfer of a resource the installation does not own is refused",
    async (target, extra) => {
      const done = await createTransfer(target, extra, {
        resourceIds: ["res_conformance_not_mine"],
        expiresAt: Date.now() + 3_600_000,
      });
      return (
        (await notOfferedTransfer(target, extra, done)) ??
        expectRefusal(done, [400, 403, 404, 409, 422])
      );
    },
  ),
  extraCheck(
    "transfer-user-token",
    "§2.5",
    "Create Resource Transfer refuses a user token (system auth only)",
    async (target, extra) => {
      const done = await createTransfer(
        target,
        extra,
        { resourceIds: [extra.resourceId], expiresAt: Date.now() + 3_600_000 },
        "user",
      );
      return (await notOfferedTransfer(target, extra, done)) ?? expectRefusal(done, [401, 403]);
    },
  ),
  extraCheck(
    "transfer-expired",
    "§4.16",
    "An expired claim cannot be accepted, and the resource stays where it was",
    async (target, extra) => {
      const created = await createTransfer(target, extra, {
        resourceIds: [extra.resourceId],
        expiresAt: Date.now() + 1_000,
      });
      const older = await notOfferedTransfer(target, extra, created);
      if (older) return older;
      const claim = CreateTransferResponse.safeParse(created.answer.body);
      if (created.answer.status !== 200 || !claim.success)
        return fail(`${described(created)}; expected 200 { providerClaimId }`);
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      const accepted = await acceptTransfer(target, extra, claim.data.providerClaimId);
      const outcome = expectRefusal(accepted, [400, 404, 409, 410, 422]);
      if (outcome.status === "fail") return outcome;
      const stayed = await getResource(target, extra, extra.source);
      return stayed.answer.status === 200
        ? outcome
        : fail(`after the refused accept, the source lost the resource: ${described(stayed)}`);
    },
  ),
  extraCheck(
    "transfer-accept",
    "§4.16",
    "Create, verify and accept move the resource; a replayed accept answers the same",
    async (target, extra) => {
      const created = await createTransfer(target, extra, {
        resourceIds: [extra.resourceId],
        expiresAt: Date.now() + 3_600_000,
      });
      const older = await notOfferedTransfer(target, extra, created);
      if (older) return older;
      const claim = CreateTransferResponse.safeParse(created.answer.body);
      if (created.answer.status !== 200 || !claim.success)
        return fail(`${described(created)}; expected 200 { providerClaimId }`);
      const claimId = claim.data.providerClaimId;
      const verified = await extraCall(target, extra, extra.target, {
        method: "GET",
        path: `${transfersPath(extra.target)}/${claimId}/verify`,
        auth: "system",
      });
      const olderVerify = await notOfferedTransfer(target, extra, verified);
      if (olderVerify) return olderVerify;
      if (verified.answer.status !== 200) return fail(`${described(verified)}; expected 200`);
      const first = await acceptTransfer(target, extra, claimId);
      if (first.answer.status !== 204 && first.answer.status !== 200)
        return fail(`${described(first)}; expected 204`);
      const replay = await acceptTransfer(target, extra, claimId);
      if (replay.answer.status !== first.answer.status)
        return fail(
          `a replayed accept: ${described(replay)}; the first answered ${first.answer.status}`,
        );
      const moved = await getResource(target, extra, extra.target);
      if (moved.answer.status !== 200)
        return fail(`after the accept, the target does not have the resource: ${described(moved)}`);
      const left = await getResource(target, extra, extra.source);
      return left.answer.status === 404
        ? pass()
        : fail(
            `after the accept, the source still has the resource: ${described(left)}; expected 404`,
          );
    },
  ),
  extraCheck(
    "extra-uninstall",
    "§4.4",
    "The extra installations uninstall with 200 or 204",
    async (target, extra) => {
      for (const installationId of [extra.source, extra.target]) {
        const outcome = expectAnswer(
          await extraCall(target, extra, installationId, {
            method: "DELETE",
            path: `/v1/installations/${installationId}`,
            auth: "user",
            body: { cascadeResourceDeletion: true, reason: "conformance" },
          }),
          [200, 204],
        );
        if (outcome.status !== "pass") return outcome;
      }
      return pass();
    },
  ),
];
