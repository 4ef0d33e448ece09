import { randomBytes } from "node:crypto";
import { ReplResponse } from "../../protocol/repl.ts";
import { RotateSecretsResponse } from "../../protocol/secrets-rotation.ts";
import { CreateTransferResponse } from "../../protocol/transfers.ts";
import type { PartnerAnswer, PartnerCall } from "../partner-client.ts";
import {
  type Check,
  type CheckOutcome,
  type ConformanceState,
  type ConformanceTarget,
  expectAnswer,
  fail,
  isErrorBody,
  pass,
  skip,
} from "./check.ts";

/**
 * Checks of the optional resource operations: secrets rotation (§4.10), the REPL (§4.11) and
 * resource transfers (§4.16). They run on installations of their own, since the core checks end
 * by uninstalling theirs. A partner that does not offer an endpoint (a plain 404/405/501 without
 * the error body) gets a skip, not a failure: these endpoints are optional.
 */

interface ExtraState {
  source: string;
  target: string;
  accountId: string;
  resourceId: string;
  claimId?: string;
}

const extras = new WeakMap<ConformanceState, ExtraState>();

const idempotencyKey = () => `conf_${randomBytes(6).toString("hex")}`;

function notOffered(answer: PartnerAnswer): boolean {
  return (
    answer.status === 405 ||
    answer.status === 501 ||
    (answer.status === 404 && !isErrorBody(answer.body))
  );
}

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
const transfersPath = (installationId: string) =>
  `/v1/installations/${installationId}/resource-transfer-requests`;

function call(
  extra: ExtraState,
  installationId: string,
  rest: Omit<PartnerCall, "installationId">,
) {
  return { ...rest, installationId, accountId: extra.accountId };
}

const rotate = (target: ConformanceTarget, extra: ExtraState, body: unknown, role?: "USER") =>
  target.partner.send(
    call(extra, extra.source, {
      method: "POST",
      path: `${resourcePath(extra.source, extra.resourceId)}/secrets/rotate`,
      auth: "user",
      role,
      idempotencyKey: idempotencyKey(),
      body,
    }),
  );

const repl = (
  target: ConformanceTarget,
  extra: ExtraState,
  body: unknown,
  auth: "user" | "system" = "user",
) =>
  target.partner.send(
    call(extra, extra.source, {
      method: "POST",
      path: `${resourcePath(extra.source, extra.resourceId)}/repl`,
      auth,
      idempotencyKey: idempotencyKey(),
      body,
    }),
  );

function createTransfer(
  target: ConformanceTarget,
  extra: ExtraState,
  body: unknown,
  auth: "user" | "system" = "system",
) {
  return target.partner.send(
    call(extra, extra.source, {
      method: "POST",
      path: transfersPath(extra.source),
      auth,
      idempotencyKey: idempotencyKey(),
      body,
    }),
  );
}

const acceptTransfer = (target: ConformanceTarget, extra: ExtraState, claimId: string) =>
  target.partner.send(
    call(extra, extra.target, {
      method: "POST",
      path: `${transfersPath(extra.target)}/${claimId}/accept`,
      auth: "system",
      idempotencyKey: idempotencyKey(),
    }),
  );

const getResource = (target: ConformanceTarget, extra: ExtraState, installationId: string) =>
  target.partner.send(
    call(extra, installationId, {
      method: "GET",
      path: resourcePath(installationId, extra.resourceId),
      auth: "system",
    }),
  );

export const RESOURCE_EXTRA_CHECKS: Check[] = [
  {
    id: "extra-setup",
    section: "§4.5",
    title: "Two more installations and a resource for the optional operations",
    async run(target, state) {
      const source = `${state.installationId}_src`;
      const targetInstallation = `${state.installationId}_dst`;
      for (const installationId of [source, targetInstallation]) {
        await target.partner.install({ installationId, accountId: state.accountId });
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
      const answer = await rotate(target, extra, {
        reason: "conformance",
        delayOldSecretsExpirationHours: 1,
      });
      if (notOffered(answer)) return skip(`not offered (${answer.status})`);
      if (answer.status !== 200 && answer.status !== 202) return fail(`answered ${answer.status}`);
      const body = RotateSecretsResponse.safeParse(answer.body);
      if (!body.success)
        return fail(`body does not match the spec: ${body.error.issues[0]?.message}`);
      if (body.data.sync !== (answer.status === 200))
        return fail(`sync: ${body.data.sync} with status ${answer.status}`);
      if (body.data.sync && body.data.secrets.length === 0)
        return fail("no secrets in a sync answer");
      return pass(body.data.sync ? `sync, ${body.data.secrets.length} secrets` : "async");
    },
  ),
  extraCheck(
    "rotate-viewer",
    "§2.4",
    "A USER-role member cannot rotate secrets (403)",
    async (target, extra) => {
      const answer = await rotate(target, extra, {}, "USER");
      if (notOffered(answer)) return skip(`not offered (${answer.status})`);
      return expectAnswer(answer, [403], "USER role rotation");
    },
  ),
  extraCheck(
    "rotate-bad-delay",
    "§4.10",
    "A grace period beyond 720 hours is a 400 with the error body",
    async (target, extra) => {
      const answer = await rotate(target, extra, { delayOldSecretsExpirationHours: 721 });
      if (notOffered(answer)) return skip(`not offered (${answer.status})`);
      return expectAnswer(answer, [400], "delay of 721 hours");
    },
  ),
  extraCheck(
    "repl-read",
    "§4.11",
    "A read-only REPL command answers 200 with blocks",
    async (target, extra) => {
      if (!target.repl) return skip("no REPL commands given");
      const answer = await repl(target, extra, { input: target.repl.read, readOnly: true });
      if (notOffered(answer)) return skip(`not offered (${answer.status})`);
      if (answer.status !== 200) return fail(`answered ${answer.status}`);
      const blocks = ReplResponse.safeParse(answer.body);
      return blocks.success
        ? pass(`${blocks.data.length} blocks`)
        : fail(`not a block array: ${blocks.error.issues[0]?.message}`);
    },
  ),
  extraCheck(
    "repl-readonly-write",
    "§4.11",
    "A writing REPL command in a readOnly session is refused with a 4xx error body",
    async (target, extra) => {
      if (!target.repl) return skip("no REPL commands given");
      const answer = await repl(target, extra, { input: target.repl.write, readOnly: true });
      if (notOffered(answer)) return skip(`not offered (${answer.status})`);
      return expectAnswer(answer, [400, 403, 409, 422], "readOnly write");
    },
  ),
  extraCheck(
    "repl-system",
    "§2.5",
    "The REPL refuses a system token (user auth only)",
    async (target, extra) => {
      const answer = await repl(target, extra, { input: target.repl?.read ?? "help" }, "system");
      if (notOffered(answer)) return skip(`not offered (${answer.status})`);
      return expectAnswer(answer, [401, 403], "system token on the REPL");
    },
  ),
  extraCheck(
    "transfer-foreign",
    "§4.16",
    "A transfer of a resource the installation does not own is refused",
    async (target, extra) => {
      const answer = await createTransfer(target, extra, {
        resourceIds: ["res_conformance_not_mine"],
        expiresAt: Date.now() + 3_600_000,
      });
      if (notOffered(answer)) return skip(`not offered (${answer.status})`);
      return expectAnswer(answer, [400, 403, 404, 409, 422], "foreign resource");
    },
  ),
  extraCheck(
    "transfer-user-token",
    "§2.5",
    "Create Resource Transfer refuses a user token (system auth only)",
    async (target, extra) => {
      const answer = await createTransfer(
        target,
        extra,
        { resourceIds: [extra.resourceId], expiresAt: Date.now() + 3_600_000 },
        "user",
      );
      if (notOffered(answer)) return skip(`not offered (${answer.status})`);
      return expectAnswer(answer, [401, 403], "user token on transfer create");
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
      if (notOffered(created)) return skip(`not offered (${created.status})`);
      const claim = CreateTransferResponse.safeParse(created.body);
      if (created.status !== 200 || !claim.success)
        return fail(`create answered ${created.status}`);
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      const accepted = await acceptTransfer(target, extra, claim.data.providerClaimId);
      const outcome = expectAnswer(
        accepted,
        [400, 404, 409, 410, 422],
        "accepting an expired claim",
      );
      if (outcome.status !== "pass") return outcome;
      const stayed = await getResource(target, extra, extra.source);
      return stayed.status === 200 ? pass() : fail(`the source answers ${stayed.status} for it`);
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
      if (notOffered(created)) return skip(`not offered (${created.status})`);
      if (created.status !== 200) return fail(`create answered ${created.status}`);
      const claim = CreateTransferResponse.safeParse(created.body);
      if (!claim.success) return fail("create answered no providerClaimId");
      const claimId = claim.data.providerClaimId;
      const verified = await target.partner.send(
        call(extra, extra.target, {
          method: "GET",
          path: `${transfersPath(extra.target)}/${claimId}/verify`,
          auth: "system",
        }),
      );
      if (verified.status !== 200) return fail(`verify answered ${verified.status}`);
      const first = await acceptTransfer(target, extra, claimId);
      if (first.status !== 204 && first.status !== 200)
        return fail(`accept answered ${first.status}`);
      const replay = await acceptTransfer(target, extra, claimId);
      if (replay.status !== first.status)
        return fail(`a replayed accept answered ${replay.status}, the first ${first.status}`);
      const moved = await getResource(target, extra, extra.target);
      if (moved.status !== 200) return fail(`the target answers ${moved.status} for the resource`);
      const left = await getResource(target, extra, extra.source);
      return left.status === 404 ? pass() : fail(`the source still answers ${left.status} for it`);
    },
  ),
  extraCheck(
    "extra-uninstall",
    "§4.4",
    "The extra installations uninstall with 200 or 204",
    async (target, extra) => {
      for (const installationId of [extra.source, extra.target]) {
        const answer = await target.partner.send(
          call(extra, installationId, {
            method: "DELETE",
            path: `/v1/installations/${installationId}`,
            auth: "user",
            body: { cascadeResourceDeletion: true, reason: "conformance" },
          }),
        );
        const outcome = expectAnswer(answer, [200, 204], `uninstall ${installationId}`);
        if (outcome.status !== "pass") return outcome;
      }
      return pass();
    },
  ),
];
